/**
 * Every mutating request ksctl sends to Compute Engine and GKE is valid for the published API model:
 * the google.cloud.compute.v1 and google.container.v1 protos shipped in @google-cloud/compute and
 * @google-cloud/container. FakeGcp sits at the clients' transport, where requests are still plain
 * objects, so a misspelt field or an enum value the API does not know would pass it unnoticed (the
 * real transport encodes with these protos and drops both). Each request FakeGcp recorded during a
 * self-managed and a GKE create is encoded with protobufjs (as gax does) and read back: every field
 * ksctl set must come back unchanged, every field the proto marks REQUIRED must be set, and none it
 * marks deprecated may be.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Pb from 'protobufjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../src/api/types.js';
import { createWith } from '../../contract/run-steps.js';
import { gcpSpec, managedWorld, selfManagedWorld } from '../../fakes/gcp/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';
import { lostPaths } from '../../helpers/lost-paths.js';
import type { FakeGcp } from '../../fakes/gcp/fake-gcp.js';
import { pool, WORLDS } from '../../managers/managed-pools-worlds.js';
import { clusterIdOf } from '../../../src/api/types.js';

const req = createRequire(path.resolve(import.meta.dirname, '../../../package.json'));
const pb = req('protobufjs') as typeof Pb;
let compute: Pb.Root;
let container: Pb.Root;

beforeAll(() => {
  compute = pb.Root.fromJSON(req('@google-cloud/compute/build/protos/protos.json') as Pb.INamespace);
  container = pb.Root.fromJSON(req('@google-cloud/container/build/protos/protos.json') as Pb.INamespace);
}, 60_000);

const upper = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** `instances:insert` → google.cloud.compute.v1.InsertInstanceRequest (from the service's rpc). */
function requestType(op: string): Pb.Type {
  const [service, method] = op.split(':') as [string, string];
  const root = service === 'clusterManager' ? container : compute;
  const pkg = service === 'clusterManager' ? 'google.container.v1' : 'google.cloud.compute.v1';
  const rpc = root.lookupService(`${pkg}.${upper(service)}`).methods[upper(method)];
  if (!rpc) throw new Error(`${op}: no rpc ${upper(method)} in ${pkg}.${upper(service)}`);
  return root.lookupType(`${pkg}.${rpc.requestType}`);
}

/**
 * Fields the proto marks REQUIRED that the request leaves unset, and deprecated ones it sets (in every
 * message it sets).
 */
function missingRequired(type: Pb.Type, value: Record<string, unknown>, at = ''): string[] {
  const out: string[] = [];
  for (const f of type.fieldsArray) {
    const v = value[f.name];
    const where = at ? `${at}.${f.name}` : f.name;
    if (f.options?.['(google.api.field_behavior)'] === 'REQUIRED' && (v === undefined || v === null || v === ''))
      out.push(`${where} is required`);
    if (f.options?.['deprecated'] === true && v !== undefined) out.push(`${where} is deprecated`);
    f.resolve();
    if (v && f.resolvedType instanceof pb.Type) {
      const sub = f.resolvedType;
      if (Array.isArray(v))
        v.forEach((x, i) => out.push(...missingRequired(sub, x as Record<string, unknown>, `${where}[${i}]`)));
      else if (typeof v === 'object') out.push(...missingRequired(sub, v as Record<string, unknown>, where));
    }
  }
  return out;
}

function problems(op: string, input: Record<string, unknown>): string[] {
  const type = requestType(op);
  const back = type.toObject(type.fromObject(input), { enums: String, longs: Number, defaults: false });
  return [
    ...lostPaths(input, back).map((p) => `${op}: ${p} is not in the proto (or has a value it does not allow)`),
    ...missingRequired(type, input).map((p) => `${op}: ${p}`),
  ];
}

async function requestsOf(spec: ClusterSpec): Promise<{ op: string; input: Record<string, unknown> }[]> {
  const w = spec.type === 'managed' ? managedWorld(spec) : selfManagedWorld(spec);
  const p = w.provider();
  await createWith(p, spec);
  await p.destroy(stepContext(MemoryCluster.create(spec), spec));
  return w.fake.mutatingCalls().map((c) => ({ op: c.op, input: c.input as Record<string, unknown> }));
}

describe('GCP requests against the published protos', () => {
  it('the check itself catches an unknown field, an unknown enum value and a missing required field', () => {
    expect(problems('clusterManager:setNodePoolSize', { name: 'x', nodeCount: 2, nodeCountPerZone: 2 })).toEqual([
      'clusterManager:setNodePoolSize: nodeCountPerZone is not in the proto (or has a value it does not allow)',
    ]);
    expect(
      problems('clusterManager:createCluster', {
        parent: 'p',
        cluster: { name: 'c', releaseChannel: { channel: 'FAST_LANE' } },
      }),
    ).toEqual([
      'clusterManager:createCluster: cluster.releaseChannel.channel is not in the proto (or has a value it does not allow)',
    ]);
    expect(problems('firewalls:insert', { project: 'p', firewallResource: { name: 'f' } })).toEqual([]);
    expect(problems('firewalls:insert', { firewallResource: { name: 'f' } })).toEqual([
      'firewalls:insert: project is required',
    ]);
    expect(
      problems('clusterManager:createCluster', {
        parent: 'p',
        cluster: { name: 'c', masterAuthorizedNetworksConfig: { enabled: true } },
      }),
    ).toEqual(['clusterManager:createCluster: cluster.masterAuthorizedNetworksConfig is deprecated']);
  });

  it.each([
    [
      'self-managed (Compute Engine, an Arm pool included)',
      gcpSpec({ name: 'proto', workers: { count: 2, size: 't2a-standard-2', spot: true } }),
    ],
    [
      'GKE (labels and taints on a pool)',
      gcpSpec({
        name: 'protogke',
        type: 'managed',
        nodePools: [
          { name: 'general', count: 2, size: 'e2-standard-2', spot: false, labels: {}, taints: [] },
          {
            name: 'spot',
            count: 2,
            size: 'e2-standard-4',
            spot: true,
            labels: { 'example.com/tier': 'batch' },
            taints: [
              { key: 'spot', value: 'true', effect: 'NoSchedule' },
              { key: 'x', value: '', effect: 'PreferNoSchedule' },
              { key: 'y', value: 'z', effect: 'NoExecute' },
            ],
          },
        ],
      }),
    ],
  ] as [string, ClusterSpec][])(
    '%s: create and delete send only what the protos define',
    async (_n, spec) => {
      const calls = await requestsOf(spec);
      expect(calls.length).toBeGreaterThan(3);
      expect(calls.flatMap((c) => problems(c.op, c.input))).toEqual([]);
    },
    60_000,
  );
});

describe('GKE day-2 node pool requests against the published protos', () => {
  it('a pool created with zones, relabelled, resized and deleted: every request as the proto defines it', async () => {
    const w = WORLDS.gcp();
    try {
      const fake = w.fake as FakeGcp;
      await w.manager.create(w.spec, { switchContext: false });
      const id = clusterIdOf(w.spec);
      const opts = { drain: { timeoutMs: 1000, force: false, deleteEmptyDirData: false } };
      const general = w.spec.nodePools[0]!;
      const gpu = pool({ name: 'gpu', count: 2, zones: [...w.zones], labels: { a: 'b' } }, w.size);
      const start = fake.calls.length;
      await w.manager.reconcilePools(id, { pools: [general, gpu] }, opts);
      const relabelled = { ...gpu, count: 4, taints: [{ key: 'k', value: 'v', effect: 'NoExecute' as const }] };
      await w.manager.reconcilePools(id, { pools: [general, relabelled] }, opts);
      await w.manager.reconcilePools(id, { pools: [general] }, opts);
      const calls = fake.calls.slice(start);
      const mutating = calls.filter((c) => c.mutating);
      expect(mutating.map((c) => c.op)).toEqual([
        'clusterManager:createNodePool',
        'clusterManager:updateNodePool',
        'clusterManager:setNodePoolSize',
        'clusterManager:deleteNodePool',
      ]);
      expect(mutating.flatMap((c) => problems(c.op, c.input as Record<string, unknown>))).toEqual([]);
      expect(mutating[1]!.input).toMatchObject({
        taints: { taints: [{ key: 'k', value: 'v', effect: 'NO_EXECUTE' }] },
        labels: { labels: { a: 'b', 'ksctl.io/pool': 'gpu' } },
      });
      expect(mutating[2]!.input).toMatchObject({ nodeCount: 2 });
      // Each operation was waited on through operations.get.
      expect(calls.filter((c) => c.op === 'clusterManager:getOperation').length).toBeGreaterThanOrEqual(3);
    } finally {
      w.close();
    }
  });
});
