/**
 * Day-2 node pools of managed clusters through ManagedManager.reconcilePools, per cloud against its
 * fake (EKS node groups, AKS agent pools, GKE node pools): create → scale → labels and taints →
 * delete; a crash at every mutating call of a pool create and of a scale-up, then a re-run that
 * converges (no duplicate pool, state says what the cloud has); bad inputs that exit 2 before any
 * cloud call and write nothing; a dry run that only describes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DRAIN_TIMEOUT_MS, type PoolChangeOptions } from '../../src/api/pool-change.js';
import { clusterIdOf, type NodePoolSpec } from '../../src/api/types.js';
import { InputError, isKsctlError } from '../../src/errors.js';
import { pool, WORLDS, type PoolWorld } from './managed-pools-worlds.js';

const OPTS: PoolChangeOptions = {
  drain: { timeoutMs: DEFAULT_DRAIN_TIMEOUT_MS, force: false, deleteEmptyDirData: false },
};
const CLOUDS = ['aws', 'azure', 'gcp'] as const;

let open: PoolWorld[] = [];
afterEach(() => {
  for (const w of open) w.close();
  open = [];
});

async function created(cloud: (typeof CLOUDS)[number]): Promise<PoolWorld> {
  const w = WORLDS[cloud]();
  open.push(w);
  await w.manager.create(w.spec, { switchContext: false });
  return w;
}

const reconcile = (w: PoolWorld, pools: NodePoolSpec[], dryRun = false) =>
  w.manager.reconcilePools(clusterIdOf(w.spec), { pools }, { ...OPTS, dryRun });
const recorded = async (w: PoolWorld) => (await w.deps.store.read(clusterIdOf(w.spec)))!;
const cloudPool = (w: PoolWorld, name: string) => w.pools().find((p) => p.name === name);
const general = (w: PoolWorld) => w.spec.nodePools[0]!;

describe.each(CLOUDS)('managed node pools on %s', (cloud) => {
  it('creates, scales, relabels and deletes a pool; state records each pool as the cloud has it', async () => {
    const w = await created(cloud);
    const gpu = pool(
      {
        name: 'gpu',
        count: 2,
        min: 1,
        max: 4,
        labels: { team: 'ml' },
        taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }],
        zones: [...w.zones],
      },
      w.size,
    );
    const out = await reconcile(w, [general(w), gpu]);
    expect(out.pools).toEqual([{ name: 'gpu', from: 0, to: 2 }]);
    expect(cloudPool(w, 'gpu')).toMatchObject({
      count: 2,
      labels: { team: 'ml', 'ksctl.io/pool': 'gpu' },
      taints: ['nvidia.com/gpu=true:NoSchedule'],
      zones: [...w.zones].sort(),
    });
    expect((await recorded(w)).spec.nodePools).toEqual([general(w), gpu]);

    const bigger = { ...gpu, count: 4 };
    await reconcile(w, [general(w), bigger]);
    expect(cloudPool(w, 'gpu')!.count).toBe(4);
    expect((await recorded(w)).spec.nodePools[1]!.count).toBe(4);

    const relabelled: NodePoolSpec = {
      ...bigger,
      labels: { team: 'ai', tier: 'gpu' },
      taints: [
        { key: 'nvidia.com/gpu', value: 'shared', effect: 'NoSchedule' },
        { key: 'spot', value: '', effect: 'PreferNoSchedule' },
      ],
    };
    const upd = await reconcile(w, [general(w), relabelled]);
    expect(upd.steps.map((s) => s.title)).toEqual(['Update node pool gpu: labels, taints']);
    const now = cloudPool(w, 'gpu')!;
    expect(now.labels).toEqual({ team: 'ai', tier: 'gpu', 'ksctl.io/pool': 'gpu' });
    expect([...now.taints].sort()).toEqual(['nvidia.com/gpu=shared:NoSchedule', 'spot=:PreferNoSchedule']);
    expect(now.count).toBe(4);
    expect((await recorded(w)).spec.nodePools[1]).toEqual(relabelled);

    // Nothing differs: nothing is planned, nothing is called.
    const calls = w.mutatingCalls();
    expect((await reconcile(w, [general(w), relabelled])).steps).toEqual([]);
    expect(w.mutatingCalls()).toBe(calls);

    const del = await reconcile(w, [general(w)]);
    expect(del.steps.map((s) => s.title)).toEqual(['Delete node pool gpu (the cloud drains its nodes)']);
    expect(cloudPool(w, 'gpu')).toBeUndefined();
    expect(cloudPool(w, 'general')!.count).toBe(2);
    const state = await recorded(w);
    expect(state.spec.nodePools).toEqual([general(w)]);
    expect(state.phase).toBe('ready');
    expect(Object.keys(state.resources).some((k) => k.includes('gpu'))).toBe(false);
  });

  it('a dry run describes the steps, calls no mutating API and writes nothing', async () => {
    const w = await created(cloud);
    const before = JSON.stringify(await recorded(w));
    const calls = w.calls();
    const out = await reconcile(
      w,
      [{ ...general(w), count: 4, labels: { a: 'b' } }, pool({ name: 'extra', count: 2 }, w.size)],
      true,
    );
    expect(out.steps.map((s) => s.title)).toEqual([
      'Update node pool general: labels',
      'Scale node pool general from 2 to 4',
      'Create node pool extra',
    ]);
    expect(out.steps[2]!.details).toMatchObject({ size: w.size, count: 2 });
    expect(w.calls()).toBe(calls);
    expect(JSON.stringify(await recorded(w))).toBe(before);
  });

  it.each([
    ['a negative count', (w: PoolWorld) => [{ ...general(w), count: -1 }], 'spec.nodePools[0].count'],
    ['a count above max', (w: PoolWorld) => [{ ...general(w), count: 5, max: 3 }], 'spec.nodePools[0].count'],
    [
      'a taint with an unknown effect',
      (w: PoolWorld) => [{ ...general(w), taints: [{ key: 'k', value: 'v', effect: 'Sometimes' as 'NoSchedule' }] }],
      'spec.nodePools[0].taints[0]',
    ],
    ['duplicate pool names', (w: PoolWorld) => [general(w), { ...general(w) }], 'spec.nodePools[1].name'],
    [
      'a new size for a kept pool',
      (w: PoolWorld) => [{ ...general(w), size: 'x9.huge' }],
      'spec.nodePools[general].size',
    ],
    ['spot for a kept pool', (w: PoolWorld) => [{ ...general(w), spot: true }], 'spec.nodePools[general].spot'],
  ])('%s exits 2 naming the field, with no cloud call and no state written', async (_what, target, field) => {
    const w = await created(cloud);
    const before = JSON.stringify(await recorded(w));
    const calls = w.calls();
    const err = await reconcile(w, target(w)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(isKsctlError(err) && err.exitCode).toBe(2);
    expect((err as InputError).fields).toContain(field);
    expect(w.calls()).toBe(calls);
    expect(JSON.stringify(await recorded(w))).toBe(before);
  });

  it('a zone the cluster cannot use exits 2 naming spec.nodePools[i].zones[j], before any change', async () => {
    const w = await created(cloud);
    const before = JSON.stringify(await recorded(w));
    const mutating = w.mutatingCalls();
    const target = [general(w), pool({ name: 'zoned', count: 2, zones: [w.zones[0], w.badZone] }, w.size)];
    const err = await reconcile(w, target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).fields).toEqual(['spec.nodePools[1].zones[1]']);
    expect((err as Error).message).toContain(w.badZone);
    expect(w.mutatingCalls()).toBe(mutating);
    expect(JSON.stringify(await recorded(w))).toBe(before);
  });
});

/** A change run cleanly once to count its mutating calls, then crashed at each one and run again. */
describe.each(CLOUDS)('crash and re-run on %s', (cloud) => {
  const changes: [string, (w: PoolWorld) => NodePoolSpec[]][] = [
    ['a pool create', (w) => [general(w), pool({ name: 'extra', count: 2, labels: { x: 'y' } }, w.size)]],
    ['a scale-up', (w) => [{ ...general(w), count: 4 }]],
  ];
  it.each(changes)('%s: a crash at every mutating call, then the re-run converges', async (_what, target) => {
    const clean = await created(cloud);
    const start = clean.mutatingCalls();
    await reconcile(clean, target(clean));
    const n = clean.mutatingCalls() - start;
    const want = clean.pools().sort((a, b) => a.name.localeCompare(b.name));
    expect(n).toBeGreaterThan(0);
    for (let k = 1; k <= n; k++) {
      for (const when of ['before', 'after'] as const) {
        const w = await created(cloud);
        w.crashAt(k, when);
        await expect(reconcile(w, target(w))).rejects.toThrow();
        expect((await recorded(w)).phase).toBe('failed');
        w.clearFaults();
        await reconcile(w, target(w));
        const have = w.pools().sort((a, b) => a.name.localeCompare(b.name));
        expect(have, `crash ${when} mutating call ${k}`).toEqual(want);
        const state = await recorded(w);
        expect(state.spec.nodePools).toEqual(target(w));
        expect(state.phase).toBe('ready');
        // Converged: once more changes nothing.
        const calls = w.mutatingCalls();
        expect((await reconcile(w, target(w))).steps).toEqual([]);
        expect(w.mutatingCalls()).toBe(calls);
        w.close();
      }
    }
  });
});
