/**
 * The day-2 worker plans on every provider: the add plan depends on the infrastructure create recorded
 * (no step needs one that is not in the plan, the regression behind "needs unknown step infra/network"),
 * the name is chosen and checked before anything is written, and the spec counts a worker only once it
 * has joined and forgets it in the write that forgets the machine.
 */
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import type { ClusterSpec } from '../../src/api/types.js';
import { AwsSelfManaged } from '../../src/cloud/aws/selfmanaged.js';
import { AzureSelfManaged } from '../../src/cloud/azure/selfmanaged.js';
import { GcpSelfManaged } from '../../src/cloud/gcp/selfmanaged.js';
import { createSshProvider } from '../../src/cloud/ssh/index.js';
import { machinePlanOf, plannedWorker } from '../../src/cloud/common/machine-plan.js';
import type { SelfManagedCloud } from '../../src/cloud/types.js';
import { ConflictError, InputError } from '../../src/errors.js';
import { addWorkerSteps } from '../../src/managers/selfmanaged/plans/add-worker.js';
import { removeWorkerSteps } from '../../src/managers/selfmanaged/plans/remove-worker.js';
import { resolveAddition } from '../../src/managers/selfmanaged/worker-addition.js';
import { forgetWorker, specWithJoined } from '../../src/managers/selfmanaged/worker-count.js';
import { checkGraph } from '../../src/pipeline/graph.js';
import { newClusterState } from '../../src/state/new-state.js';
import type { ClusterState, Machine } from '../../src/state/types.js';
import { silentLogger } from '../../src/util/log.js';
import { MemoryCluster } from '../fakes/memory-cluster.js';
import { bootstrapOf, planSourceOf } from '../helpers/bootstrap.js';

const CLOUDS = [
  { provider: 'aws', region: 'us-east-1', make: () => new AwsSelfManaged() },
  { provider: 'azure', region: 'eastus', make: () => new AzureSelfManaged() },
  { provider: 'gcp', region: 'us-central1', make: () => new GcpSelfManaged() },
] as const;

const runtimeOf = (p: SelfManagedCloud) => planSourceOf(p);

/** A cloud cluster as a finished create leaves it: every step done, every machine bootstrapped. */
function created(spec: ClusterSpec, provider: SelfManagedCloud, skip: string[] = []): ClusterState {
  const s = newClusterState(spec);
  s.phase = 'ready';
  const at = new Date().toISOString();
  for (const step of provider.infraSteps(spec))
    if (!skip.includes(step.id))
      s.steps.push({ id: step.id, title: step.title, status: 'done', run: 0, startedAt: at });
  for (const m of machinePlanOf(spec)) {
    s.machines[m.name] = {
      name: m.name,
      role: m.role,
      sshPort: 22,
      sshUser: 'ubuntu',
      hostKeys: [],
      status: 'bootstrapped',
      publicAddress: '192.0.2.1',
      privateAddress: '10.0.0.1',
    };
  }
  return s;
}

describe.each(CLOUDS)('$provider: the add-worker plan', ({ provider, region, make }) => {
  const spec = applyDefaults({ name: 'day2', provider, region, type: 'selfmanaged' });
  const p = make();

  it('has no dangling needs and runs no infrastructure step create already did', () => {
    const state = created(spec, p);
    const add = resolveAddition(state, {});
    const steps = addWorkerSteps(runtimeOf(p), state, add, 7);
    expect(() => checkGraph(steps)).not.toThrow();
    // The new worker passes the host preflight (cgroup v2) before it joins, as create's nodes do.
    expect(steps.map((s) => [s.id, s.needs])).toEqual([
      ['preflight/hosts@7', ['machine/day2-worker-1@7']],
      ['machine/day2-worker-1@7', []],
      ['worker/day2-worker-1@7', ['machine/day2-worker-1@7', 'preflight/hosts@7']],
      // Counted as added only after the onboarding check through the API.
      ['onboard/day2-worker-1@7', ['worker/day2-worker-1@7']],
    ]);
  });

  it('ensures again only the infrastructure step that is not recorded as done, with needs it can meet', () => {
    const state = created(spec, p, ['infra/firewall']);
    const steps = addWorkerSteps(runtimeOf(p), state, resolveAddition(state, {}), 7);
    expect(() => checkGraph(steps)).not.toThrow();
    expect(steps.find((s) => s.id === 'infra/firewall')?.needs).toEqual([]);
    expect(steps.find((s) => s.id === 'machine/day2-worker-1@7')?.needs).toEqual(['infra/firewall']);
    expect(steps.filter((s) => s.id.startsWith('infra/')).map((s) => s.id)).toEqual(['infra/firewall']);
  });
});

describe('choosing the worker to add', () => {
  const spec = applyDefaults({ name: 'day2', provider: 'aws', region: 'us-east-1', type: 'selfmanaged' });
  const p = new AwsSelfManaged();

  it('defaults to the smallest free <cluster>-worker-<n> and plans it pending, uncounted', () => {
    const state = created(spec, p);
    expect(resolveAddition(state, {}).workers.map((w) => w.name)).toEqual(['day2-worker-1']);
    delete state.machines['day2-worker-0'];
    const add = resolveAddition(state, {});
    expect(add.workers).toEqual([plannedWorker(spec, 'day2-worker-0')]);
    expect(add.intent).toEqual([
      expect.objectContaining({ name: 'day2-worker-0', role: 'worker', status: 'pending', size: spec.workers.size }),
    ]);
    expect(add.runSpec.workers.count).toBe(spec.workers.count); // counted only when it joins
    expect(add.recordSpec).toBe(false);
  });

  it.each([
    ['Bad_Name', /--name: "Bad_Name" is not a DNS label/],
    ['day2-controlplane-0', /already has a machine named "day2-controlplane-0"/],
    ['a'.repeat(41), /at most 40 characters/],
  ])('refuses --name %s with exit 2', (name, message) => {
    const state = created(spec, p);
    const before = JSON.stringify(state);
    const err = (() => {
      try {
        resolveAddition(state, { name });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(message);
    expect(JSON.stringify(state)).toBe(before);
  });

  it('finishes a half-added worker first, under its own name; another --name meanwhile is a conflict', () => {
    const state = created(spec, p);
    state.machines['day2-spare'] = {
      name: 'day2-spare',
      role: 'worker',
      sshPort: 22,
      sshUser: '',
      hostKeys: [],
      status: 'pending',
    };
    expect(resolveAddition(state, {}).workers.map((w) => w.name)).toEqual(['day2-spare']);
    expect(resolveAddition(state, { name: 'day2-spare' }).intent).toEqual([]);
    expect(() => resolveAddition(state, { name: 'day2-other' })).toThrow(ConflictError);
  });

  it('plans a resumed worker in the same zone or subnet every time (its index comes from its name)', () => {
    expect(plannedWorker(spec, 'day2-worker-4').index).toBe(4);
    expect(plannedWorker(spec, 'gpu-a').index).toBe(plannedWorker(spec, 'gpu-a').index);
    expect(plannedWorker(spec, 'gpu-a').index).not.toBe(plannedWorker(spec, 'gpu-b').index);
  });

  it('the ssh provider adds the machine named by --name to the spec it runs with, and refuses a cloud-only request', () => {
    const ssh = applyDefaults({
      name: 'lab',
      provider: 'ssh',
      type: 'selfmanaged',
      machines: [
        { name: 'lb', role: 'loadbalancer', address: '192.0.2.1' },
        { name: 'cp', role: 'controlplane', address: '192.0.2.2' },
        { name: 'w', role: 'worker', address: '192.0.2.3' },
      ],
      controlPlane: { count: 1 },
      etcd: { count: 0 },
    });
    const state = created(ssh, createSshProvider());
    expect(() => resolveAddition(state, {})).toThrow(/pass --address/);
    const add = resolveAddition(state, { name: 'w2', machine: { address: '192.0.2.4', port: 22, user: 'root' } });
    expect(add.runSpec.machines.map((m) => m.name)).toEqual(['lb', 'cp', 'w', 'w2']);
    expect(add.runSpec.workers.count).toBe(2);
    expect(add.runSpec.nodePools.map((p) => [p.name, p.count])).toEqual([['default', 2]]); // the default pool follows workers
    expect(add.recordSpec).toBe(true); // the machine exists already: listed with the intent
    expect(state.spec.machines).toHaveLength(3); // nothing recorded yet
    // Half-added: listed in the spec, pending in state; a re-run needs no flags to finish it.
    state.spec = add.runSpec;
    state.machines['w2'] = add.intent[0]!;
    expect(resolveAddition(state, {})).toMatchObject({
      workers: [expect.objectContaining({ name: 'w2' })],
      intent: [],
      recordSpec: false,
    });
    expect(() =>
      resolveAddition(created(spec, p), { machine: { address: '192.0.2.4', port: 22, user: 'root' } }),
    ).toThrow(InputError);
  });
});

describe('counting workers', () => {
  const spec = applyDefaults({
    name: 'day2',
    provider: 'gcp',
    region: 'us-central1',
    type: 'selfmanaged',
    workers: { count: 2 },
  });
  const worker = (name: string, status: Machine['status']): Machine => ({
    name,
    role: 'worker',
    sshPort: 22,
    sshUser: 'ubuntu',
    hostKeys: [],
    status,
  });

  it('a day-2 worker counts once it joins; one the spec already counted (a create finished late) does not count twice', () => {
    const s = created(spec, new GcpSelfManaged());
    s.machines['extra'] = worker('extra', 'bootstrapped');
    expect(specWithJoined(s, 'extra', s.spec).workers.count).toBe(3);
    const late = created(spec, new GcpSelfManaged());
    expect(specWithJoined(late, 'day2-worker-1', late.spec).workers.count).toBe(2);
  });

  it('forgetting a worker drops it and its count in one change, once', () => {
    const s = created(spec, new GcpSelfManaged());
    s.machines['day2-spare'] = worker('day2-spare', 'pending');
    forgetWorker(s, 'day2-worker-0');
    expect(s.spec.workers.count).toBe(1);
    expect(s.machines['day2-worker-0']).toBeUndefined();
    forgetWorker(s, 'day2-worker-0'); // a re-run
    expect(s.spec.workers.count).toBe(1);
    forgetWorker(s, 'day2-spare'); // never joined: was never counted
    expect(s.spec.workers.count).toBe(1);
  });
});

describe('the delete-worker plan', () => {
  const stubProvider = (provider: 'aws' | 'ssh', deleted: string[]): SelfManagedCloud =>
    ({
      provider,
      kind: 'selfmanaged',
      deleteMachine: async (_ctx: unknown, m: Machine) => void deleted.push(m.name),
    }) as unknown as SelfManagedCloud;

  it('on a cloud: drain (node deleted), then the VM, no uninstall; the machine and its count leave state together', async () => {
    const spec = applyDefaults({
      name: 'day2',
      provider: 'aws',
      region: 'us-east-1',
      type: 'selfmanaged',
      workers: { count: 2 },
    });
    const deleted: string[] = [];
    const provider = stubProvider('aws', deleted);
    const steps = removeWorkerSteps(runtimeOf(provider), 'day2-worker-1', 9, false);
    expect(steps.map((s) => [s.id, s.needs])).toEqual([
      ['drain/day2-worker-1/9', []],
      ['forget/day2-worker-1/9', ['drain/day2-worker-1/9']],
    ]);
    const h = MemoryCluster.create(spec);
    await h.save(created(spec, new AwsSelfManaged()));
    const ctx = bootstrapOf({ spec, cluster: h, log: silentLogger, signal: new AbortController().signal }, provider);
    await steps[1]!.run(ctx);
    await steps[1]!.run(ctx); // a re-run after a crash right after the write
    expect(deleted).toEqual(['day2-worker-1']);
    expect(h.state!.machines['day2-worker-1']).toBeUndefined();
    expect(h.state!.spec.workers.count).toBe(1);
  });

  it('on the ssh provider: drain, uninstall, then release', () => {
    const steps = removeWorkerSteps(runtimeOf(stubProvider('ssh', [])), 'w', 9, false);
    expect(steps.map((s) => s.id)).toEqual(['drain/w/9', 'uninstall/w/9', 'forget/w/9']);
  });
});
