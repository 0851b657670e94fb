/**
 * The surge of a self-managed upgrade on a cloud (plans/surge.ts, upgrade-rollout.ts). The decision is
 * pure: which workers are replaced (clouds) or upgraded in place (ssh provider, --in-place, already at
 * the target), the replacements' names (the pool's next, as a scale-up names them), and the plan's
 * shape (control planes in place, then per worker: new machine → preflight → join → onboarding check →
 * drain of the old one → its VM deleted, one worker after the other). Then the run for real — the
 * SelfManagedManager, executor, LocalStateStore and AWS provider against FakeAws (in-process), over the
 * SSH pool and Kubernetes API stand-ins — killed after every state write and at every mutating cloud
 * call, and the same upgrade again: one VM per machine, no orphan, the pool's count unchanged, every
 * worker at the new version, and an old worker whose drain was recorded is not drained again. A cloud
 * that refuses the new machine (vCPU quota) stops the upgrade saying --in-place, leaving nothing of it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { clusterIdOf, type ClusterSpec } from '../../src/api/types.js';
import type { UpgradeRequest } from '../../src/api/pool-change.js';
import { checkUpgradeMode } from '../../src/api/upgrade.js';
import { upgradeRequest } from '../../src/api/upgrade-flags.js';
import { isCapacityRefusal } from '../../src/cloud/common/capacity.js';
import { InputError, ProviderError } from '../../src/errors.js';
import { isStepDone } from '../../src/pipeline/executor.js';
import type { ClusterState, Machine } from '../../src/state/types.js';
import { newClusterState } from '../../src/state/new-state.js';
import { planRollout } from '../../src/managers/selfmanaged/upgrade-rollout.js';
import { reconcileSelfManagedPools } from '../../src/managers/selfmanaged/pools.js';
import { upgradeSelfManaged } from '../../src/managers/selfmanaged/upgrade.js';
import { awsSpec, selfManagedWorld } from '../fakes/aws/world.js';
import { KubeNodesStandin } from '../fakes/kube-nodes-standin.js';
import { StandinSshPool } from '../fakes/ssh-pool-standin.js';
import { poolBench } from '../helpers/pool-manager.js';

const FROM = 'v1.36.3';
const TO = 'v1.37.2';
const readAt = '2026-12-01T00:00:00.000Z';

function machine(name: string, role: Machine['role'], over: Partial<Machine> = {}): Machine {
  return { name, role, sshPort: 22, sshUser: 'ubuntu', hostKeys: [], status: 'bootstrapped', ...over };
}
const worker = (name: string, pool: string, over: Partial<Machine> = {}) =>
  machine(name, 'worker', { pool, installed: { kubernetes: FROM, distribution: FROM, readAt }, ...over });

function stateOf(spec: ClusterSpec, machines: Machine[]): ClusterState {
  const s = newClusterState(spec);
  for (const m of machines) s.machines[m.name] = m;
  return s;
}

const gpuSpec = () =>
  applyDefaults({
    name: 'up',
    provider: 'aws',
    region: 'us-east-1',
    type: 'selfmanaged',
    nodePools: [
      { name: 'default', count: 2 },
      { name: 'gpu', count: 1, size: 'g5.xlarge', labels: { 'example.com/accel': 'gpu' } },
    ],
  });
const atTarget = (m: Machine) => m.installed?.kubernetes === TO;

describe('--in-place', () => {
  it('defaults to a surge; is refused (exit 2, naming the flag) for a managed cluster, whose cloud rolls its pools', () => {
    expect(upgradeRequest({ k8sVersion: '1.37' }).inPlace).toBe(false);
    expect(upgradeRequest({ k8sVersion: '1.37', inPlace: true }).inPlace).toBe(true);
    expect(() => checkUpgradeMode('selfmanaged', true)).not.toThrow();
    const e = (() => {
      try {
        checkUpgradeMode('managed', true);
      } catch (x) {
        return x as InputError;
      }
    })();
    expect(e).toBeInstanceOf(InputError);
    expect(e!.fields).toEqual(['--in-place']);
    expect(e!.exitCode).toBe(2);
  });
});

describe('a cloud refusing a machine for quota or capacity', () => {
  it('is recognised by the codes each cloud documents, wrapped or not; other refusals are not', () => {
    const refused = [
      Object.assign(new Error('x'), { awsCode: 'VcpuLimitExceeded' }),
      Object.assign(new Error('x'), { name: 'InsufficientInstanceCapacity', $fault: 'server' }),
      Object.assign(new Error('x'), { code: 'QuotaExceeded', statusCode: 409 }),
      Object.assign(new Error('Operation results in exceeding quota limits of Core. Maximum allowed: 4'), {
        code: 'OperationNotAllowed',
      }),
      new Error(
        "ZONE_RESOURCE_POOL_EXHAUSTED: The zone 'projects/p/zones/us-central1-a' does not have enough resources",
      ),
      new ProviderError('instances.insert failed', {
        cause: Object.assign(new Error('QUOTA_EXCEEDED'), { code: 403 }),
      }),
    ];
    for (const e of refused) expect(isCapacityRefusal(e), String(e)).toBe(true);
    const other = [
      Object.assign(new Error('x'), { awsCode: 'InvalidParameterValue' }),
      Object.assign(new Error('Changing property osDisk is not allowed'), { code: 'OperationNotAllowed' }),
      new Error('RESOURCE_EXHAUSTED: Quota exceeded for quota metric: rateLimitExceeded'), // throttling, retried
      undefined,
    ];
    for (const e of other) expect(isCapacityRefusal(e), String(e)).toBe(false);
  });
});

describe('which workers a cloud upgrade replaces, and by which machines', () => {
  const base = [
    machine('up-loadbalancer-0', 'loadbalancer'),
    machine('up-controlplane-0', 'controlplane'),
    worker('up-worker-0', 'default'),
    worker('up-worker-1', 'default'),
    worker('up-gpu-0', 'gpu'),
  ];

  it("names each replacement as the pool's next machine, pools in name order, each of its pool's size", () => {
    const r = planRollout(stateOf(gpuSpec(), base), false, atTarget);
    expect(r.workers.map((w) => (w.kind === 'surge' ? `${w.old} → ${w.surge.name} ${w.surge.size}` : w.name))).toEqual([
      'up-worker-0 → up-worker-2 t3.large',
      'up-worker-1 → up-worker-3 t3.large',
      'up-gpu-0 → up-gpu-1 g5.xlarge',
    ]);
    expect(r.name).toEqual({ 'up-worker-0': 'up-worker-2', 'up-worker-1': 'up-worker-3', 'up-gpu-0': 'up-gpu-1' });
  });

  it('keeps to the machines there are on the ssh provider, with --in-place, and for a worker already at the target', () => {
    const ssh = { ...gpuSpec(), provider: 'ssh' as const };
    expect(planRollout(stateOf(ssh, base), false, atTarget).workers.every((w) => w.kind === 'in-place')).toBe(true);
    expect(planRollout(stateOf(gpuSpec(), base), true, atTarget).workers.every((w) => w.kind === 'in-place')).toBe(
      true,
    );
    const done = base.map((m) =>
      m.name === 'up-gpu-0' ? { ...m, installed: { kubernetes: TO, distribution: TO, readAt } } : m,
    );
    expect(planRollout(stateOf(gpuSpec(), done), false, atTarget).workers.at(-1)).toEqual({
      kind: 'in-place',
      name: 'up-gpu-0',
    });
  });

  it('finishes a replacement already begun, even with --in-place; drops one only named; never plans the new machine itself', () => {
    const s = stateOf(gpuSpec(), [
      ...base.filter((m) => m.name !== 'up-worker-0' && m.name !== 'up-worker-1'),
      // Drained before a crash: removing, replaced by up-worker-2, which exists.
      worker('up-worker-0', 'default', { status: 'removing', replacedBy: 'up-worker-2' }),
      worker('up-worker-2', 'default', { status: 'bootstrapped' }),
      // Named by an earlier run, not begun.
      worker('up-worker-1', 'default', { replacedBy: 'up-worker-3' }),
      // A shrink's leftover, not the upgrade's.
      worker('up-worker-9', 'default', { status: 'removing' }),
    ]);
    const inPlace = planRollout(s, true, atTarget);
    expect(inPlace.workers.map((w) => (w.kind === 'surge' ? `surge ${w.old} → ${w.surge.name}` : w.name))).toEqual([
      'surge up-worker-0 → up-worker-2',
      'up-worker-1',
      'up-gpu-0',
    ]);
    expect(inPlace.unname).toEqual(['up-worker-1']);
    const surge = planRollout(s, false, atTarget);
    expect(surge.workers.map((w) => (w.kind === 'surge' ? w.surge.name : w.name))).toEqual([
      'up-worker-2',
      'up-worker-3', // the name recorded, not a new one
      'up-gpu-1',
    ]);
    expect(surge.name).toEqual({ 'up-gpu-0': 'up-gpu-1' });
  });
});

// ---- the run, over FakeAws and the stand-ins --------------------------------------------------------

const NO_WAIT = { connectMs: 0, scriptMs: {}, otherExecMs: 0, uploadMs: 0, downloadMs: 0 };
const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
const REQ: UpgradeRequest = {
  to: '1.37.2',
  drain: { timeoutMs: 60_000, force: false, deleteEmptyDirData: true },
  backup: false,
};

function spec(name: string): ClusterSpec {
  const s = awsSpec({
    name,
    distribution: 'kubeadm',
    network: { cidr: '10.0.0.0/16', allowCidrs: ['198.51.100.77/32'] },
  });
  return {
    ...s,
    controlPlane: { count: 1, size: 't3.medium' },
    etcd: { ...s.etcd, count: 0 },
    workers: { ...s.workers, count: 2, size: 't3.large' },
    nodePools: [{ ...s.nodePools[0]!, count: 2, size: 't3.large' }],
  };
}

/** A cluster created on FakeAws, then recorded as running v1.36.3 (the stand-ins' hosts report v1.37.2). */
async function cluster(name: string) {
  const w = selfManagedWorld(spec(name));
  let pool = new StandinSshPool(clock, NO_WAIT);
  const bench = poolBench(() => pool);
  const id = clusterIdOf(w.spec);
  await bench.manager(w.provider()).create(w.spec, { switchContext: false });
  const h = await bench.store().lock(id, 'test');
  const s = structuredClone(h.state!);
  s.spec.kubernetesVersion = '1.36';
  s.versions.kubernetes = FROM;
  for (const m of Object.values(s.machines))
    if (m.role === 'controlplane' || m.role === 'worker')
      m.installed = { kubernetes: FROM, distribution: FROM, readAt };
  await h.save(s);
  h.release();
  // The hosts from here on (the upgrade's scripts), and the cluster's API over them.
  pool = new StandinSshPool(clock, NO_WAIT);
  const nodes = Object.values(s.machines).filter((m) => m.role === 'controlplane' || m.role === 'worker');
  const kube = new KubeNodesStandin(
    clock,
    nodes.map((m) => m.name),
    FROM,
    { drainMs: 0, readyMs: 0, pollMs: 5 },
    pool,
  );
  const upgrade = (req: Partial<UpgradeRequest> = {}) => {
    const mgr = bench.manager(w.provider(), { command: 'ksctl upgrade cluster (test)' });
    return upgradeSelfManaged(mgr, id, { ...REQ, ...req }, mgr.deps, {
      kube: async () => kube,
      pollMs: 5,
      readyTimeoutMs: 5_000,
    });
  };
  const read = async () => (await bench.store().read(id))!;
  return { w, bench, id, kube, upgrade, read, old: nodes.filter((m) => m.role === 'worker').map((m) => m.name) };
}
type Cluster = Awaited<ReturnType<typeof cluster>>;

/** One VM per machine, none unrecorded, the pool as before and every worker replaced and at the new version. */
function expectConverged(c: Cluster, s: ClusterState, where: string, phase = 'ready') {
  const vms = c.w.resources().filter((r) => r.kind === 'instance');
  expect(vms.length, `${where}: VMs`).toBe(4); // load balancer, control plane, two workers
  const recorded = new Set(Object.values(s.machines).map((m) => m.providerId));
  expect(
    vms.filter((v) => !recorded.has(v.id)).map((v) => v.id),
    `${where}: orphans`,
  ).toEqual([]);
  const workers = Object.values(s.machines).filter((m) => m.role === 'worker');
  expect(workers.map((m) => m.name).sort(), where).toEqual([`${c.id.name}-worker-2`, `${c.id.name}-worker-3`]);
  for (const m of workers) {
    expect(m, where).toMatchObject({ status: 'bootstrapped', pool: 'default', installed: { kubernetes: TO } });
    expect(m.replacedBy, where).toBeUndefined();
  }
  expect(s.spec.nodePools[0]!.count, `${where}: pool count`).toBe(2);
  expect(s.spec.workers.count, where).toBe(2);
  expect(s.spec.kubernetesVersion, where).toBe('1.37.2');
  expect(s.phase, where).toBe(phase);
  // Each new machine was launched once (no duplicate after a lost answer); terminated instances count too.
  const instances = Object.values(c.w.fake.data.instances);
  for (const n of [`${c.id.name}-worker-2`, `${c.id.name}-worker-3`])
    expect(instances.filter((x) => x.tags['Name'] === n).length, `${where}: instances of ${n}`).toBe(1);
}

describe('the surge run over FakeAws and stand-ins', () => {
  const made: Cluster[] = [];
  afterAll(() => made.forEach((c) => c.bench.cleanup()));
  const fresh = async (name: string) => {
    const c = await cluster(name);
    made.push(c);
    return c;
  };

  it('replaces each worker in turn: new machine Ready at the new version, then the old one drained and deleted', async () => {
    const c = await fresh('surge');
    const dry = await c.upgrade({ dryRun: true });
    expect(dry.steps.map((x) => x.id.replace(/^upgrade\/[^/]+\//, ''))).toEqual([
      'stage/surge-controlplane-0',
      'node/surge-controlplane-0',
      ...['0', '1'].flatMap((i) =>
        ['machine', 'preflight', 'join', 'onboard', 'drain', 'release'].map((x) => `surge/surge-worker-${i}/${x}`),
      ),
      'finish',
    ]);
    const join = dry.steps.find((x) => x.id.endsWith('surge/surge-worker-0/join'))!;
    const scripts = join.details!.scripts as { machine: string; name: string; body: string }[];
    expect(scripts.map((x) => `${x.name}@${x.machine}`)).toEqual([
      'kubeadm-install@surge-worker-2',
      'kubeadm-join-worker@surge-worker-2',
    ]);
    expect(scripts[0]!.body).toContain('1.37.2'); // the new machine installs the new release
    expect(scripts[0]!.body).not.toContain('1.36');
    expect((await c.read()).machines['surge-worker-0']!.replacedBy).toBeUndefined(); // the dry run wrote nothing

    await c.upgrade();
    expectConverged(c, await c.read(), 'after the upgrade');
    // Strictly one worker after the other: the old one goes only once its replacement is Ready.
    expect(c.kube.calls.filter((x) => /^(drain|delete) surge-worker/.test(x))).toEqual([
      'drain surge-worker-0',
      'delete surge-worker-0',
      'drain surge-worker-1',
      'delete surge-worker-1',
    ]);
    const launches = c.w.fake.callsOf('ec2:RunInstances', 'ok').map((x) => x.n);
    const terminations = c.w.fake.callsOf('ec2:TerminateInstances', 'ok').map((x) => x.n);
    expect(launches.length).toBe(2 + 4); // create's four, the two replacements
    expect(launches.at(-2)!).toBeLessThan(terminations[0]!);
    expect(terminations[0]!).toBeLessThan(launches.at(-1)!);
  }, 60_000);

  it('a vCPU quota with no room for the new machine: the error says --in-place, nothing of it is left; --in-place then finishes', async () => {
    const c = await fresh('quota');
    c.w.fake.failNth(
      'ec2:RunInstances',
      1,
      'VcpuLimitExceeded',
      'You have requested more vCPU capacity than your current vCPU limit allows.',
    );
    const err = (await c.upgrade().catch((e: unknown) => e)) as Error & { hint?: string };
    expect(err.message).toMatch(/refused a new machine quota-worker-2 to replace quota-worker-0.*VcpuLimitExceeded/);
    expect(err.hint).toMatch(/--in-place/);
    let s = await c.read();
    expect(
      Object.keys(s.machines)
        .filter((n) => n.includes('worker'))
        .sort(),
    ).toEqual(c.old.sort());
    expect(Object.values(s.machines).some((m) => m.replacedBy === 'quota-worker-2')).toBe(false);
    expect(c.w.resources().filter((r) => r.kind === 'instance')).toHaveLength(4);
    expect(s.machines['quota-controlplane-0']!.installed?.kubernetes).toBe(TO); // the control plane went first

    // While the upgrade is unfinished, the pools stay as it planned them: scale and worker add/remove refused.
    const mgr = c.bench.manager(c.w.provider());
    const before = JSON.stringify(s);
    const grow = { pools: s.spec.nodePools.map((p) => ({ ...p, count: p.count + 1 })) };
    await expect(reconcileSelfManagedPools(mgr, c.id, grow, { drain: REQ.drain })).rejects.toThrow(
      /node pools: the upgrade of quota to Kubernetes 1.37.2 is unfinished/,
    );
    await expect(mgr.removeWorker(c.id, c.old[0]!)).rejects.toBeInstanceOf(InputError);
    expect(JSON.stringify(await c.read())).toBe(before);

    await c.upgrade({ inPlace: true });
    s = await c.read();
    expect(
      Object.values(s.machines)
        .filter((m) => m.role === 'worker')
        .map((m) => m.name)
        .sort(),
    ).toEqual(c.old.sort());
    for (const n of c.old) expect(s.machines[n]!.installed?.kubernetes).toBe(TO);
    expect(s.versions.kubernetes).toBe(TO);
    expect(c.w.fake.callsOf('ec2:TerminateInstances')).toHaveLength(0);
  }, 60_000);

  it('killed after every state write, then the same upgrade again: converges, a recorded drain is not repeated', async () => {
    let points = 0;
    for (let k = 1; ; k++) {
      const c = await fresh(`kill${k}`);
      const first = c.upgrade(); // makes the "process" (manager and store) at once
      c.bench.store().savesLeft = k;
      const crashed = await first.then(
        () => false,
        (e: Error) => {
          if (e.name !== 'SimulatedCrash') throw e;
          return true;
        },
      );
      if (!crashed) break;
      points++;
      const before = await c.read();
      const drained = c.old.filter((n) =>
        isStepDone(before.steps, before.steps.find((x) => x.id.endsWith(`surge/${n}/drain`))?.id ?? '-'),
      );
      const callsBefore = c.kube.calls.length;
      // Killed right after the last step's write: the same command only closes the run (phase ready).
      await c.upgrade();
      expectConverged(c, await c.read(), `killed after write ${k}`, 'ready');
      for (const n of drained)
        expect(c.kube.calls.slice(callsBefore), `write ${k}: ${n} drained again`).not.toContain(`drain ${n}`);
    }
    expect(points).toBeGreaterThan(20);
  }, 240_000);

  it('killed at every mutating cloud call of the roll (before it, or after it with its answer lost): converges', async () => {
    let points = 0;
    for (const when of ['after', 'before'] as const) {
      for (let n = 1; ; n++) {
        const c = await fresh(`call${when[0]}${n}`);
        c.w.crashAt(n, when);
        const first = c.upgrade();
        c.w.onCrash(() => (c.bench.store().frozen = true));
        const crashed = await first.then(
          () => false,
          (e: Error) => {
            if (!c.w.isCrash(e) && e.name !== 'SimulatedCrash') throw e;
            return true;
          },
        );
        c.w.clearFaults();
        if (!crashed) break;
        points++;
        await c.upgrade();
        expectConverged(c, await c.read(), `crash ${when} mutating call ${n}`);
      }
    }
    expect(points).toBeGreaterThanOrEqual(8); // two launches and two terminations at least, before and after
  }, 240_000);
});
