/**
 * GKE node pools carry their pool's labels and taints natively (`config.labels`, `config.taints` with
 * the NodeTaint.Effect enum names), inline at create and on a pool added later; FakeGcp checks them as
 * GKE does.
 */
import { describe, expect, it } from 'vitest';
import type { NodePoolSpec } from '../../../src/api/types.js';
import { InputError } from '../../../src/errors.js';
import { runSteps } from '../../contract/run-steps.js';
import { gcpSpec, managedWorld } from '../../fakes/gcp/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';

const pool = (o: Partial<NodePoolSpec> & { name: string }): NodePoolSpec => ({
  count: 1,
  size: 'e2-standard-2',
  spot: false,
  labels: {},
  taints: [],
  ...o,
});
const spec = gcpSpec({
  name: 'gkel',
  type: 'managed',
  nodePools: [
    pool({ name: 'web', labels: { tier: 'web' } }),
    pool({
      name: 'gpu',
      count: 2,
      taints: [
        { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' },
        { key: 'dedicated', value: '', effect: 'PreferNoSchedule' },
        { key: 'x', value: 'y', effect: 'NoExecute' },
      ],
    }),
  ],
});

describe('GKE node pools with labels and taints', () => {
  it('creates both pools inline with their labels (and ksctl.io/pool) and enum-named taints, and a later pool the same way', async () => {
    const w = managedWorld(spec);
    const cluster = MemoryCluster.create(spec);
    const ctx = stepContext(cluster, spec);
    await w.provider().preflight(ctx);
    await runSteps(w.provider().createSteps(spec), ctx);
    const [create] = w.fake.callsOf('clusterManager:createCluster', 'ok');
    const pools = create!.input.cluster.nodePools as {
      name: string;
      config: { labels: Record<string, string>; taints?: unknown[] };
    }[];
    expect(pools.map((p) => [p.name, p.config.labels, p.config.taints])).toEqual([
      ['web', { tier: 'web', 'ksctl.io/pool': 'web' }, undefined],
      [
        'gpu',
        { 'ksctl.io/pool': 'gpu' },
        [
          { key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' },
          { key: 'dedicated', value: '', effect: 'PREFER_NO_SCHEDULE' },
          { key: 'x', value: 'y', effect: 'NO_EXECUTE' },
        ],
      ],
    ]);

    const more = {
      ...spec,
      nodePools: [
        ...spec.nodePools,
        pool({
          name: 'batch',
          labels: { 'example.com/q': 'b' },
          taints: [{ key: 'batch', value: '', effect: 'NoSchedule' }],
        }),
      ],
    };
    await runSteps(w.provider().createSteps(more), stepContext(cluster.reopen(), more));
    const [added] = w.fake.callsOf('clusterManager:createNodePool', 'ok');
    expect(added!.input.nodePool.config).toMatchObject({
      labels: { 'example.com/q': 'b', 'ksctl.io/pool': 'batch' },
      taints: [{ key: 'batch', value: '', effect: 'NO_SCHEDULE' }],
    });
  });

  it('the fake refuses what GKE refuses: an unspecified effect, a taint without a key', async () => {
    const w = managedWorld(spec);
    const ctx = stepContext(MemoryCluster.create(spec), spec);
    await w.provider().preflight(ctx);
    await runSteps(w.provider().createSteps(spec), ctx);
    const parent = 'projects/ksctl-fake-project/locations/us-central1/clusters/gkel';
    w.fake.data.clusters.get(parent)!.busyUntil = 0;
    const outcome = (config: Record<string, unknown>) =>
      w.fake.dispatch('clusterManager:createNodePool', { parent, nodePool: { name: 'bad', config } }).then(
        () => 'ok',
        (e: Error) => e.message,
      );
    expect(await outcome({ taints: [{ key: 'k', effect: 'EFFECT_UNSPECIFIED' }] })).toMatch(
      /invalid taint effect EFFECT_UNSPECIFIED/,
    );
    expect(await outcome({ taints: [{ effect: 'NO_SCHEDULE' }] })).toMatch(/taint key must be set/);
  });

  it('places a pool in the zones it names (count per zone), and refuses a zone the region lacks or a count that does not divide, before any change', async () => {
    const zoned = gcpSpec({
      name: 'gkez',
      type: 'managed',
      nodePools: [
        pool({ name: 'ab', count: 4, zones: ['us-central1-a', 'us-central1-b'] }),
        pool({ name: 'any', count: 1 }),
      ],
    });
    const w = managedWorld(zoned);
    const ctx = stepContext(MemoryCluster.create(zoned), zoned);
    await w.provider().preflight(ctx);
    await runSteps(w.provider().createSteps(zoned), ctx);
    const [create] = w.fake.callsOf('clusterManager:createCluster', 'ok');
    const sent = create!.input.cluster.nodePools as { name: string; locations?: string[]; initialNodeCount: number }[];
    expect(sent.find((p) => p.name === 'ab')).toMatchObject({
      locations: ['us-central1-a', 'us-central1-b'],
      initialNodeCount: 2,
    });

    for (const [bad, message, field] of [
      [
        pool({ name: 'x', count: 2, zones: ['us-central1-z'] }),
        /"us-central1-z" is not a zone of us-central1 .*use us-central1-a/,
        'spec.nodePools[0].zones[0]',
      ],
      [
        pool({ name: 'x', count: 3, zones: ['us-central1-a', 'us-central1-b'] }),
        /count must be a multiple of its 2 zone\(s\)/,
        'spec.nodePools[0].count',
      ],
    ] as const) {
      const s = gcpSpec({ name: 'gkebad', type: 'managed', nodePools: [bad] });
      const wb = managedWorld(s);
      const err = await wb
        .provider()
        .preflight(stepContext(MemoryCluster.create(s), s))
        .catch((e: unknown) => e as InputError);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).message).toMatch(message);
      expect((err as InputError).fields).toEqual([field]);
      expect(wb.fake.mutatingCalls()).toEqual([]);
    }
  });
});
