/**
 * Simulated self-managed pool scale-up (`npm run bench -- pools`): an HA k3s cluster (1 LB, 3 etcd,
 * 3 control planes, 3 workers) is created through the real SelfManagedManager on FakeAws with its
 * default latencies on a scaled clock and the stand-in SSH pool with the durations measured on the real
 * SSH test hosts (bench/simulated/harness.ts); then its default pool grows by N through
 * reconcilePools, the path `ksctl scale nodepool` takes.
 *
 * Reported: the scale-up's simulated wall time against its critical-path bound, which for a scale-up is
 * the longest single new machine's chain (instance start + SSH connect → its host preflight → its k3s
 * agent join): every machine's chain runs at once, so growing by 100 should cost about what growing by
 * 1 does. At scale 1 (the default, $KSCTL_BENCH_SCALE), the process's own CPU and state writes count at
 * their true weight.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../src/api/pool-change.js';
import { clusterIdOf } from '../src/api/types.js';
import { createAwsSelfManaged } from '../src/cloud/aws/index.js';
import { SinkLogger } from '../src/io/logger.js';
import { kubeconfigTarget } from '../src/kubeconfig/loading.js';
import { SelfManagedManager } from '../src/managers/selfmanaged/manager.js';
import { resolvePoolChange } from '../src/managers/selfmanaged/pool-change.js';
import { poolSteps } from '../src/managers/selfmanaged/plans/pools.js';
import type { Step } from '../src/pipeline/types.js';
import { LocalStateStore } from '../src/state/local/store.js';
import { defaultConfig } from '../test/fakes/aws/config.js';
import { FakeAws } from '../test/fakes/aws/fake-aws.js';
import { awsSpec } from '../test/fakes/aws/world.js';
import { StandinSshPool } from '../test/fakes/ssh-pool-standin.js';
import { criticalPath, MEASURED, stepCost, type SimulatedCloud } from './simulated/harness.js';

const INSTANCE_START_MS = defaultConfig().latencies.instanceStart;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface GrowResult {
  grow: number;
  simulatedMs: number;
  boundMs: number;
  path: string[];
  launches: number;
  stateSaves: number;
}

async function growCase(grow: number, scale: number): Promise<GrowResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksctl-bench-pools-'));
  try {
    const fake = new FakeAws({ clock: { scale }, config: { defaultQuota: { onDemand: 4096, spot: 4096 } } });
    const cloud = createAwsSelfManaged({ runtime: fake.runtime() });
    const sim: SimulatedCloud = {
      provider: 'aws',
      clock: fake.clock,
      cloud,
      spec: () => spec,
      cloudCost: (st: Step) => (st.id.startsWith('machine/') ? INSTANCE_START_MS : 0),
      apiCalls: () => ({ total: fake.calls.length, notable: {} }),
    };
    const spec = awsSpec({
      name: 'bench',
      controlPlane: { count: 3, size: 't3.medium' },
      etcd: { count: 3, size: 't3.small' },
      workers: { count: 3, size: 't3.large', spot: false },
      network: { cidr: '10.0.0.0/16', allowCidrs: ['198.51.100.77/32'] },
    });
    spec.nodePools = [{ ...spec.nodePools[0]!, count: 3, size: 't3.large' }];
    const pool = new StandinSshPool(fake.clock, MEASURED);
    const log = new SinkLogger(false, () => {});
    const signal = new AbortController().signal;
    setMaxListeners(0, signal);
    const store = new LocalStateStore(path.join(dir, 'ksctl'));
    let saves = 0;
    const counting = Object.assign(Object.create(store) as LocalStateStore, {
      lock: async (...a: Parameters<LocalStateStore['lock']>) => {
        const h = await store.lock(...a);
        const save = h.save.bind(h);
        h.save = (st) => (saves++, save(st));
        return h;
      },
    });
    const mgr = new SelfManagedManager(
      {
        store: counting,
        log,
        kubeconfig: kubeconfigTarget(path.join(dir, 'kubeconfig')),
        signal,
        command: 'bench',
        env: {},
      },
      { provider: cloud, sshPool: () => pool },
    );
    await mgr.create(spec, { switchContext: false });
    const id = clusterIdOf(spec);
    const before = (await store.read(id))!;
    const target = { pools: [{ ...before.spec.nodePools[0]!, count: 3 + grow }] };
    const runs0 = fake.callsOf('ec2:RunInstances').length;
    saves = 0;
    const t0 = fake.clock.now();
    await mgr.reconcilePools(id, target, {
      drain: { timeoutMs: DEFAULT_DRAIN_TIMEOUT_MS, force: false, deleteEmptyDirData: true },
    });
    const simulatedMs = fake.clock.now() - t0;
    const after = (await store.read(id))!;
    if (after.spec.nodePools[0]!.count !== 3 + grow) throw new Error(`pool count ${after.spec.nodePools[0]!.count}`);
    // The bound: the plan's own steps and needs, each at its simulated cost (the preflight is one short script).
    const steps = poolSteps(
      await mgr.planSource(spec),
      before,
      resolvePoolChange(before, target, undefined),
      {
        timeoutMs: 0,
        force: false,
        deleteEmptyDirData: false,
      },
      1,
    );
    const cost = (st: Step) => (st.id.startsWith('preflight/hosts') ? MEASURED.otherExecMs : stepCost(sim, st));
    const bound = criticalPath(steps, cost);
    return {
      grow,
      simulatedMs,
      boundMs: bound.ms,
      path: bound.path,
      launches: fake.callsOf('ec2:RunInstances').length - runs0,
      stateSaves: saves,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchPoolScale(): Promise<{ lines: string[] }> {
  const scale = Number(process.env.KSCTL_BENCH_SCALE ?? 1);
  const lines = [
    `Self-managed pool scale-up (AWS simulated: FakeAws instance start ${INSTANCE_START_MS / 1000} s on a ${scale}x clock, stand-in SSH with measured durations)`,
    `  bound = the longest single new machine's chain (machine → its host preflight → k3s agent join)`,
  ];
  for (const grow of [1, 10, 100]) {
    const r = await growCase(grow, scale);
    lines.push(
      `${`grow default pool 3 → ${3 + grow}: simulated wall / bound`.padEnd(58)} ${`${(r.simulatedMs / r.boundMs).toFixed(3)}x`.padStart(10)}` +
        `   (${s(r.simulatedMs)} / ${s(r.boundMs)}; ${r.launches} RunInstances, ${r.stateSaves} state saves)`,
    );
  }
  return { lines };
}
