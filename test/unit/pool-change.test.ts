/**
 * Self-managed pools on day 2, decided before anything is written: the diff of state's machines by pool
 * against the target, the names and intent of new machines, the machines a shrink gives up (from a node
 * view: not-Ready first, then the newest), the refusals (exit 2), and the plan's graph (every new
 * machine's chain independent; shrink cordons all first; a deleted pool leaves the spec last).
 *
 * pool-support.ts refuses pools beyond the default one on self-managed clusters until create places
 * machines by pool (another branch widens it); these tests ask what this code does with such pools, so
 * they answer with self-managed support switched on. Everything else is the real validation.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import type { ClusterSpec, NodePoolSpec } from '../../src/api/types.js';
import { AwsSelfManaged } from '../../src/cloud/aws/selfmanaged.js';
import { machinePlanOf } from '../../src/cloud/common/machine-plan.js';
import { InputError } from '../../src/errors.js';
import type { NodeInfo } from '../../src/managers/kubernetes/types.js';
import { resolvePoolChange, type NodeView } from '../../src/managers/selfmanaged/pool-change.js';
import { diffPools } from '../../src/managers/selfmanaged/pool-diff.js';
import { poolOf } from '../../src/managers/selfmanaged/pool-of.js';
import { poolSteps } from '../../src/managers/selfmanaged/plans/pools.js';
import { forgetWorker, specWithJoined } from '../../src/managers/selfmanaged/worker-count.js';
import { checkGraph } from '../../src/pipeline/graph.js';
import { newClusterState } from '../../src/state/new-state.js';
import type { ClusterState, Machine } from '../../src/state/types.js';
import { planSourceOf } from '../helpers/bootstrap.js';

vi.mock('../../src/api/pool-support.js', async (orig) => {
  const real = await orig<typeof import('../../src/api/pool-support.js')>();
  return {
    ...real,
    poolSupport: (provider: Parameters<typeof real.poolSupport>[0], type: Parameters<typeof real.poolSupport>[1]) =>
      type === 'selfmanaged'
        ? { pools: true, labels: true, taints: true, spot: true, zones: false, why: '' }
        : real.poolSupport(provider, type),
  };
});

const FLAGS = { timeoutMs: 60_000, force: false, deleteEmptyDirData: false };
const spec = applyDefaults({
  name: 'day2',
  provider: 'aws',
  region: 'us-east-1',
  type: 'selfmanaged',
  workers: { count: 2 },
});
const pool = (name: string, count: number, over: Partial<NodePoolSpec> = {}): NodePoolSpec => ({
  name,
  count,
  size: spec.workers.size,
  spot: false,
  labels: {},
  taints: [],
  ...over,
});

/** A cluster as a finished create leaves it; old-style workers (no `pool`) unless `pools` says. */
function created(s: ClusterSpec = spec, extra: Machine[] = []): ClusterState {
  const state = newClusterState(structuredClone(s));
  state.phase = 'ready';
  const at = new Date().toISOString();
  for (const step of new AwsSelfManaged().infraSteps(s))
    state.steps.push({ id: step.id, title: step.title, status: 'done', run: 0, startedAt: at });
  for (const m of [...machinePlanOf(s).map((p) => machine(p.name, p.role)), ...extra]) state.machines[m.name] = m;
  return state;
}
function machine(name: string, role: Machine['role'] = 'worker', over: Partial<Machine> = {}): Machine {
  return { name, role, sshPort: 22, sshUser: 'ubuntu', hostKeys: [], status: 'bootstrapped', ...over };
}
const nodeView = (nodes: Partial<NodeInfo>[]): NodeView =>
  new Map(
    nodes.map((n) => [
      n.name!,
      { ready: true, readySince: '2026-12-01T00:00:00Z', createdAt: '2026-12-01T00:00:00Z', ...n } as NodeInfo,
    ]),
  );
const errorOf = (fn: () => unknown): InputError => {
  try {
    fn();
  } catch (e) {
    return e as InputError;
  }
  throw new Error('did not throw');
};

describe('the diff of state against the target pools', () => {
  it('puts old workers (no pool) in the default pool and sees each kind of change', () => {
    const s = withGpu(created());
    const target = [
      pool('default', 3),
      pool('gpu', 1, { min: 1, labels: { 'example.com/gpu': 'yes' } }),
      pool('batch', 2, { taints: [{ key: 'batch', value: '', effect: 'NoSchedule' }] }),
    ];
    s.spec.nodePools = s.spec.nodePools.filter((p) => p.name !== 'batch');
    const d = Object.fromEntries(diffPools(s, target).map((x) => [x.name, x]));
    expect(d.default).toMatchObject({ from: 2, to: 3, metadata: false, bounds: false });
    expect(d.gpu).toMatchObject({ from: 2, to: 1, metadata: true, bounds: true });
    expect(d.batch).toMatchObject({ from: 0, to: 2 });
    expect(d.batch!.recorded).toBeUndefined();
    const gone = diffPools(s, [pool('default', 2)]).find((x) => x.name === 'gpu')!;
    expect(gone).toMatchObject({ from: 2, to: 0 });
    expect(gone.target).toBeUndefined();
  });

  it('knows a machine pool by its record, then by its name <cluster>-<pool>-<n> (a cloud rewrote the record)', () => {
    const s = withGpu(created());
    expect(poolOf(s.spec, machine('day2-gpu-7'))).toBe('gpu');
    expect(poolOf(s.spec, machine('day2-worker-7'))).toBe('default');
    expect(poolOf(s.spec, machine('day2-other-1'))).toBe('default'); // not a pool of the spec
    expect(poolOf(s.spec, machine('x', 'worker', { pool: 'gpu' }))).toBe('gpu');
  });
});

/** The spec with a `gpu` pool of 2 machines (day2-gpu-0, -1). */
function withGpu(s: ClusterState): ClusterState {
  s.spec.nodePools.push(pool('gpu', 2));
  s.machines['day2-gpu-0'] = machine('day2-gpu-0', 'worker', { pool: 'gpu' });
  s.machines['day2-gpu-1'] = machine('day2-gpu-1', 'worker', { pool: 'gpu' });
  return s;
}

describe('resolving a change', () => {
  it('names new machines <cluster>-worker-<n> (default pool) and <cluster>-<pool>-<n>, pending with their pool', () => {
    const s = created();
    const c = resolvePoolChange(s, { pools: [pool('default', 3), pool('gpu', 2)] }, undefined);
    expect(c.grow.map((w) => [w.name, w.pool])).toEqual([
      ['day2-worker-2', 'default'],
      ['day2-gpu-0', 'gpu'],
      ['day2-gpu-1', 'gpu'],
    ]);
    expect(
      c.intent.every((m) => m.status === 'pending' && m.pool === (m.name.includes('gpu') ? 'gpu' : 'default')),
    ).toBe(true);
    // Counted once joined: the new pool is recorded with count 0, the default pool as it was.
    expect(c.intentSpec.nodePools.map((p) => [p.name, p.count])).toEqual([
      ['default', 2],
      ['gpu', 0],
    ]);
    expect(c.pools).toEqual([
      { name: 'default', from: 2, to: 3 },
      { name: 'gpu', from: 0, to: 2 },
    ]);
  });

  it('finishes a pending machine under its own name instead of making another', () => {
    const s = created(spec, [machine('day2-worker-2', 'worker', { status: 'pending', pool: 'default' })]);
    const c = resolvePoolChange(s, { pools: [pool('default', 3)] }, undefined);
    expect(c.grow.map((w) => w.name)).toEqual(['day2-worker-2']);
    expect(c.intent).toEqual([]);
  });

  it('shrinks not-Ready nodes first, then the newest; a machine with no Node counts as not Ready', () => {
    const s = created(spec, [machine('day2-worker-2'), machine('day2-worker-3')]);
    const nodes = nodeView([
      { name: 'day2-worker-0', createdAt: '2026-11-01T00:00:00Z' },
      { name: 'day2-worker-1', createdAt: '2026-12-03T00:00:00Z' },
      { name: 'day2-worker-2', createdAt: '2026-12-01T00:00:00Z', ready: false, readySince: '2026-12-06T00:00:00Z' },
      // day2-worker-3 never registered
    ]);
    const c = resolvePoolChange(s, { pools: [pool('default', 1)] }, nodes);
    expect(c.chosen).toEqual(['day2-worker-3', 'day2-worker-2', 'day2-worker-1']);
    expect(c.grow).toEqual([]);
  });

  it('resumes machines an earlier run left removing, whatever the target', () => {
    const s = created(spec, [machine('day2-worker-2', 'worker', { status: 'removing' })]);
    const c = resolvePoolChange(s, { pools: [pool('default', 2)] }, undefined);
    expect(c.shrink).toEqual(['day2-worker-2']);
    expect(c.chosen).toEqual([]);
  });

  it('sets labels and taints with what the recorded pool had as `previous`, and the pool label kept', () => {
    const s = withGpu(created());
    s.spec.nodePools.find((p) => p.name === 'gpu')!.labels = { old: 'x' };
    const c = resolvePoolChange(
      s,
      {
        pools: [
          pool('default', 2),
          pool('gpu', 2, { labels: { new: 'y' }, taints: [{ key: 'k', value: '', effect: 'NoSchedule' }] }),
        ],
      },
      undefined,
    );
    expect(c.metadata).toEqual([
      {
        pool: 'gpu',
        want: { labels: { new: 'y', 'ksctl.io/pool': 'gpu' }, taints: [{ key: 'k', effect: 'NoSchedule' }] },
        previous: { labels: { old: 'x', 'ksctl.io/pool': 'gpu' }, taints: [] },
      },
    ]);
    expect(c.grow).toEqual([]);
  });

  it.each([
    [
      'a count above max',
      [pool('default', 5, { max: 4 })],
      /spec\.nodePools\[0\]\.count: is 5, above the pool's max 4/,
    ],
    ['a negative count', [pool('default', -1)], /count: must be a whole number >= 0/],
    ['duplicate pool names', [pool('default', 2), pool('default', 1)], /pool names must be unique/],
    [
      'a taint with a bad effect',
      [pool('default', 2, { taints: [{ key: 'k', value: '', effect: 'Never' as 'NoSchedule' }] })],
      /taints\[0\]/,
    ],
    [
      'a changed size',
      [pool('default', 2, { size: 't3.xlarge' })],
      /spec\.workers\.size: a pool's machines keep their size/,
    ],
  ])('refuses %s with exit 2 before anything is decided', (_what, pools, message) => {
    const s = created();
    const before = JSON.stringify(s);
    const e = errorOf(() => resolvePoolChange(s, { pools }, undefined));
    expect(e).toBeInstanceOf(InputError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(message);
    expect(JSON.stringify(s)).toBe(before);
  });

  it('the ssh provider grows a pool only onto listed machines: `scale nodepool` (none listed) is refused', () => {
    const keyFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'ksctl-pools-')), 'id_ed25519');
    const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(keyFile, key, { mode: 0o600 });
    const m = (name: string, role: string, address: string) => ({ name, role, address, user: 'root', keyFile });
    const ssh = applyDefaults({
      name: 'lab',
      provider: 'ssh',
      type: 'selfmanaged',
      machines: [
        m('lb', 'loadbalancer', '192.0.2.1'),
        m('cp', 'controlplane', '192.0.2.2'),
        m('w0', 'worker', '192.0.2.3'),
      ].map((x) => ({ ...x, role: x.role as 'worker' })),
      etcd: { count: 0 },
      controlPlane: { count: 1 },
    });
    const s = newClusterState(ssh);
    for (const x of ssh.machines) s.machines[x.name] = machine(x.name, x.role);
    const e = errorOf(() =>
      resolvePoolChange(s, { pools: [pool('default', 2, { size: ssh.workers.size })] }, undefined),
    );
    expect(e).toBeInstanceOf(InputError);
    expect(e.hint).toBe('list the machines in the cluster file and run ksctl apply -f');
    const listed = [
      ...ssh.machines,
      { ...ssh.machines[2]!, name: 'w1', address: '192.0.2.4', privateAddress: '192.0.2.4' },
    ];
    const c = resolvePoolChange(
      s,
      { pools: [pool('default', 2, { size: ssh.workers.size })], machines: listed },
      undefined,
    );
    expect(c.grow.map((w) => w.name)).toEqual(['w1']);
    expect(c.intent[0]).toMatchObject({ name: 'w1', status: 'pending', publicAddress: '192.0.2.4', pool: 'default' });
    expect(c.intentSpec.machines.map((x) => x.name)).toContain('w1');
  });
});

describe('the plan of a change', () => {
  const source = planSourceOf(new AwsSelfManaged());

  it('grows every machine on its own chain (machine → its preflight → join → onboarding check), all at once', () => {
    const s = created();
    const c = resolvePoolChange(s, { pools: [pool('default', 2), pool('gpu', 2)] }, undefined);
    const steps = poolSteps(source, s, c, FLAGS, 7);
    expect(() => checkGraph(steps)).not.toThrow();
    expect(steps.map((x) => [x.id, x.needs])).toEqual([
      ['machine/day2-gpu-0@7', []],
      ['preflight/hosts/day2-gpu-0@7', ['machine/day2-gpu-0@7']],
      ['worker/day2-gpu-0@7', ['machine/day2-gpu-0@7', 'preflight/hosts/day2-gpu-0@7']],
      ['onboard/day2-gpu-0@7', ['worker/day2-gpu-0@7']],
      ['machine/day2-gpu-1@7', []],
      ['preflight/hosts/day2-gpu-1@7', ['machine/day2-gpu-1@7']],
      ['worker/day2-gpu-1@7', ['machine/day2-gpu-1@7', 'preflight/hosts/day2-gpu-1@7']],
      ['onboard/day2-gpu-1@7', ['worker/day2-gpu-1@7']],
    ]);
  });

  it('shrinks cordon-first, then drain → delete VM per node; a deleted pool leaves the spec after its machines', () => {
    const s = withGpu(created());
    const c = resolvePoolChange(
      s,
      { pools: [pool('default', 1)] },
      nodeView([{ name: 'day2-worker-0' }, { name: 'day2-worker-1' }]),
    );
    const steps = poolSteps(source, s, c, { ...FLAGS, force: true }, 7);
    expect(() => checkGraph(steps)).not.toThrow();
    const needs = Object.fromEntries(steps.map((x) => [x.id, x.needs]));
    expect(c.chosen.sort()).toEqual(['day2-gpu-0', 'day2-gpu-1', 'day2-worker-1']);
    for (const n of c.chosen) {
      expect(needs[`drain/${n}/7`]).toEqual(['cordon/shrink@7']);
      expect(needs[`forget/${n}/7`]).toEqual([`drain/${n}/7`]);
    }
    expect(needs['pool/gpu/forget@7']!.sort()).toEqual(['forget/day2-gpu-0/7', 'forget/day2-gpu-1/7']);
    expect(steps.find((x) => x.id === 'drain/day2-worker-1/7')?.details).toMatchObject({
      drainTimeoutSeconds: 60,
      force: true,
    });
  });

  it('sets a pool new labels once its new machines joined and passed the onboarding check', () => {
    const s = withGpu(created());
    const c = resolvePoolChange(s, { pools: [pool('default', 2), pool('gpu', 3, { labels: { a: 'b' } })] }, undefined);
    const steps = poolSteps(source, s, c, FLAGS, 7);
    expect(steps.find((x) => x.id === 'pool/gpu/metadata@7')?.needs).toEqual(['onboard/day2-gpu-2@7']);
  });
});

describe('counting a pool as machines join and leave', () => {
  it('counts a joined machine in its own pool, and uncounts it when forgotten', () => {
    const s = withGpu(created());
    s.machines['day2-gpu-2'] = machine('day2-gpu-2', 'worker', { pool: 'gpu' });
    s.spec = specWithJoined(s, 'day2-gpu-2', s.spec);
    expect(s.spec.nodePools.map((p) => [p.name, p.count])).toEqual([
      ['default', 2],
      ['gpu', 3],
    ]);
    expect(s.spec.workers.count).toBe(2);
    forgetWorker(s, 'day2-worker-0');
    expect(s.spec.nodePools.map((p) => [p.name, p.count])).toEqual([
      ['default', 1],
      ['gpu', 3],
    ]);
    expect(s.spec.workers.count).toBe(1);
  });
});
