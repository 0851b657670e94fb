/**
 * The pure parts of managed node-pool changes: the diff and its order, what state records after each
 * change, EKS's update payload from a live node group, kind's refusal, and the create preflight's
 * check of pool zones on EKS and AKS (exit 2 naming spec.nodePools[i].zones[j], reads only).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../../src/api/pool-change.js';
import { clusterIdOf, type NodePoolSpec } from '../../src/api/types.js';
import { nodegroupConfigDelta } from '../../src/cloud/aws/eks/nodegroup-day2.js';
import { InputError } from '../../src/errors.js';
import { kubeconfigTarget } from '../../src/kubeconfig/loading.js';
import { ManagedManager } from '../../src/managers/managed.js';
import { diffManagedPools } from '../../src/managers/managed/pool-diff.js';
import { poolSteps, recordChange } from '../../src/managers/managed/pool-steps.js';
import type { ManagedCloud } from '../../src/cloud/types.js';
import { newClusterState } from '../../src/state/new-state.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import { silentLogger } from '../../src/util/log.js';
import { awsSpec, managedWorld as awsWorld } from '../fakes/aws/world.js';
import { azureSpec, managedWorld as azureWorld } from '../fakes/azure/world.js';
import { MemoryCluster, stepContext } from '../fakes/memory-cluster.js';

const p = (o: Partial<NodePoolSpec> & { name: string }): NodePoolSpec => ({
  count: 2,
  size: 'm',
  spot: false,
  labels: {},
  taints: [],
  ...o,
});

describe('the managed pool diff', () => {
  it('creates, deletes, updates (labels, taints, bounds) and scales, in a stable order', () => {
    const had = [p({ name: 'a' }), p({ name: 'b', labels: { x: '1' } }), p({ name: 'gone' })];
    const want = [
      p({ name: 'a', count: 5, max: 6 }),
      p({ name: 'b', labels: { x: '2' }, taints: [{ key: 'k', value: '', effect: 'NoSchedule' }] }),
      p({ name: 'new', count: 1 }),
    ];
    expect(diffManagedPools(had, want).map((c) => `${c.kind} ${c.pool.name}`)).toEqual([
      'update a',
      'scale a',
      'update b',
      'create new',
      'delete gone',
    ]);
    const upd = diffManagedPools(had, want).find((c) => c.kind === 'update' && c.pool.name === 'b');
    expect(upd).toMatchObject({ aspects: ['labels', 'taints'] });
    expect(diffManagedPools(had, had)).toEqual([]);
  });

  it('a shrink scales before it narrows the bounds; a growth widens them first (each step keeps count within them)', () => {
    const provider = { provider: 'gcp' } as ManagedCloud;
    const shrink = diffManagedPools([p({ name: 'a', count: 5, max: 5 })], [p({ name: 'a', count: 2, max: 3 })]);
    expect(poolSteps(provider, shrink, { run: 3, parallelPools: false }).map((s) => s.id)).toEqual([
      'run3/nodepool/a/scale',
      'run3/nodepool/a/update',
    ]);
    const grow = diffManagedPools([p({ name: 'a', count: 2, max: 3 })], [p({ name: 'a', count: 5, max: 6 })]);
    const steps = poolSteps(provider, grow, { run: 4, parallelPools: false });
    expect(steps.map((s) => [s.id, s.needs])).toEqual([
      ['run4/nodepool/a/update', []],
      ['run4/nodepool/a/scale', ['run4/nodepool/a/update']],
    ]);
  });

  it('EKS runs different pools at once; AKS and GKE one change after another', () => {
    const changes = diffManagedPools([], [p({ name: 'a' }), p({ name: 'b' })]);
    const needs = (parallelPools: boolean) =>
      poolSteps({ provider: 'aws' } as ManagedCloud, changes, { run: 0, parallelPools }).map((s) => s.needs);
    expect(needs(true)).toEqual([[], []]);
    expect(needs(false)).toEqual([[], ['run0/nodepool/a/create']]);
  });

  it('state records an update without its count, a scale as the count, and keeps a plain default pool in step with spec.workers', () => {
    const spec = applyDefaults({ name: 'x', provider: 'gcp', type: 'managed', workers: { count: 2, size: 'm' } });
    expect(spec.nodePools).toEqual([p({ name: 'default' })]);
    recordChange(spec, { kind: 'scale', pool: p({ name: 'default', count: 4 }), from: 2, to: 4 });
    expect(spec.workers.count).toBe(4);
    expect(spec.nodePools[0]!.count).toBe(4);
    recordChange(spec, {
      kind: 'update',
      pool: p({ name: 'default', count: 9, labels: { a: 'b' } }),
      previous: spec.nodePools[0]!,
      aspects: ['labels'],
    });
    expect(spec.nodePools[0]).toEqual(p({ name: 'default', count: 4, labels: { a: 'b' } }));
    recordChange(spec, { kind: 'delete', pool: spec.nodePools[0]! });
    expect(spec.nodePools).toEqual([]);
  });
});

describe('EKS node group update payload', () => {
  const ng = {
    labels: { 'ksctl.io/pool': 'a', keep: '1', old: 'x' },
    taints: [
      { key: 'same', value: 'v', effect: 'NO_SCHEDULE' as const },
      { key: 'gone', effect: 'NO_EXECUTE' as const },
      { key: 'val', value: 'old', effect: 'NO_SCHEDULE' as const },
    ],
    scalingConfig: { minSize: 2, maxSize: 2, desiredSize: 2 },
  };
  it('adds and removes labels and taints by key (and effect), and sets bounds around the current size', () => {
    const pool = p({
      name: 'a',
      max: 5,
      labels: { keep: '1', added: 'y' },
      taints: [
        { key: 'same', value: 'v', effect: 'NoSchedule' },
        { key: 'val', value: 'new', effect: 'NoSchedule' },
      ],
    });
    expect(nodegroupConfigDelta(ng, pool)).toEqual({
      labels: { addOrUpdateLabels: { added: 'y' }, removeLabels: ['old'] },
      taints: {
        addOrUpdateTaints: [{ key: 'val', value: 'new', effect: 'NO_SCHEDULE' }],
        removeTaints: [{ key: 'gone', effect: 'NO_EXECUTE' }],
      },
      scalingConfig: { minSize: 2, maxSize: 5 },
    });
  });
  it('sends nothing when the group already matches', () => {
    const pool = p({
      name: 'a',
      labels: { keep: '1', old: 'x' },
      taints: [
        { key: 'same', value: 'v', effect: 'NoSchedule' },
        { key: 'gone', value: '', effect: 'NoExecute' },
        { key: 'val', value: 'old', effect: 'NoSchedule' },
      ],
    });
    expect(nodegroupConfigDelta(ng, pool)).toBeUndefined();
  });
});

describe('kind', () => {
  it('refuses a pool change with exit 2, saying kind cannot and to recreate; an unchanged list is fine', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-kind-pools-'));
    try {
      const store = new LocalStateStore(path.join(dir, 'state'));
      const spec = applyDefaults({ name: 'dev', provider: 'local', nodePools: [{ name: 'web', count: 1 }] });
      const id = clusterIdOf(spec);
      const h = await store.lock(id, 'test');
      await h.save({ ...newClusterState(spec), phase: 'ready' });
      h.release();
      const before = JSON.stringify(await store.read(id));
      const m = new ManagedManager({
        store,
        log: silentLogger,
        kubeconfig: kubeconfigTarget(path.join(dir, 'kubeconfig'), {}),
        signal: new AbortController().signal,
        command: 'test',
      });
      const opts = { drain: { timeoutMs: DEFAULT_DRAIN_TIMEOUT_MS, force: false, deleteEmptyDirData: false } };
      const err = await m
        .reconcilePools(id, { pools: [{ ...spec.nodePools[0]!, count: 3 }] }, opts)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).exitCode).toBe(2);
      expect((err as InputError).message).toMatch(/kind cannot add, remove or change nodes of an existing cluster/);
      expect((err as InputError).hint).toMatch(/recreate/);
      expect(JSON.stringify(await store.read(id))).toBe(before);
      expect((await m.reconcilePools(id, { pools: spec.nodePools }, opts)).steps).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pool zones at create (EKS, AKS): checked in preflight, reads only', () => {
  it('EKS: a zone the region does not offer exits 2 naming spec.nodePools[i].zones[j]', async () => {
    const spec = awsSpec({
      name: 'z',
      type: 'managed',
      region: 'us-west-2',
      nodePools: [p({ name: 'a', size: 't3.large', zones: ['us-west-2a', 'us-west-2q'] })],
    });
    const w = awsWorld(spec);
    const err = await w
      .provider()
      .preflight(stepContext(MemoryCluster.create(spec), spec))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).fields).toEqual(['spec.nodePools[0].zones[1]']);
    expect(w.fake.mutatingCalls()).toEqual([]);
  });

  it('AKS: a zone the size is not offered in exits 2 naming spec.nodePools[i].zones[j]', async () => {
    const spec = azureSpec({
      name: 'z',
      type: 'managed',
      nodePools: [p({ name: 'a', size: 'Standard_D2s_v5', zones: ['1', '4'] })],
    });
    const w = azureWorld(spec);
    const err = await w
      .provider()
      .preflight(stepContext(MemoryCluster.create(spec), spec))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).fields).toEqual(['spec.nodePools[0].zones[1]']);
    expect((err as Error).message).toMatch(/use 1, 2, 3/);
    expect(w.fake.mutatingCalls()).toEqual([]);
  });
});
