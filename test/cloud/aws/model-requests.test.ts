/**
 * Every mutating request ksctl sends to AWS is valid for the published service models: botocore's
 * (PyPI, data files only; scripts/install-test-deps.sh puts them in the test cache). FakeAws sees
 * the SDK's input objects, whose member names are the models' (`ClientToken`, `TagSpecifications`),
 * so each recorded request of a self-managed and an EKS create and delete is checked against its
 * operation's input shape: no member the shape lacks, every `required` member set, enum values and
 * scalar types as the model says.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../src/api/types.js';
import { createWith } from '../../contract/run-steps.js';
import { awsSpec, managedWorld, selfManagedWorld } from '../../fakes/aws/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';
import type { FakeAws } from '../../fakes/aws/fake-aws.js';
import { pool, WORLDS } from '../../managers/managed-pools-worlds.js';
import { clusterIdOf } from '../../../src/api/types.js';

const BOTOCORE = path.join(
  process.env['KSCTL_TEST_CACHE'] ?? '/var/cache/ksctl-test',
  'botocore-1.43.11',
  'botocore',
  'data',
);

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  value?: { shape: string };
  enum?: string[];
}
interface Model {
  operations: Record<string, { input?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

const models = new Map<string, Model>();
function modelOf(service: string): Model {
  let m = models.get(service);
  if (!m) {
    const dir = path.join(BOTOCORE, service);
    if (!existsSync(dir))
      throw new Error(`no botocore model for ${service} in ${BOTOCORE}: run scripts/install-test-deps.sh`);
    const version = readdirSync(dir).sort().at(-1)!;
    m = JSON.parse(gunzipSync(readFileSync(path.join(dir, version, 'service-2.json.gz'))).toString('utf8')) as Model;
    models.set(service, m);
  }
  return m;
}

/** What is wrong with `value` as an instance of `shapeName` (paths from the request's root). */
function check(model: Model, shapeName: string, value: unknown, at: string): string[] {
  const shape = model.shapes[shapeName]!;
  const here = at || '(input)';
  switch (shape.type) {
    case 'structure': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${here}: expected a structure`];
      const v = value as Record<string, unknown>;
      const out = (shape.required ?? [])
        .filter((k) => v[k] === undefined)
        .map((k) => `${at ? `${at}.` : ''}${k}: required`);
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined) continue;
        const member = shape.members?.[k];
        if (!member) out.push(`${at ? `${at}.` : ''}${k}: not a member of ${shapeName}`);
        else out.push(...check(model, member.shape, x, at ? `${at}.${k}` : k));
      }
      return out;
    }
    case 'list':
      return Array.isArray(value)
        ? value.flatMap((x, i) => check(model, shape.member!.shape, x, `${at}[${i}]`))
        : [`${here}: expected a list`];
    case 'map':
      return value && typeof value === 'object'
        ? Object.entries(value).flatMap(([k, x]) => check(model, shape.value!.shape, x, `${at}.${k}`))
        : [`${here}: expected a map`];
    case 'string':
      if (typeof value !== 'string') return [`${here}: expected a string`];
      return shape.enum && !shape.enum.includes(value) ? [`${here}: "${value}" is not one of ${shapeName}`] : [];
    case 'integer':
    case 'long':
      return Number.isInteger(value) ? [] : [`${here}: expected an integer`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${here}: expected a boolean`];
    case 'timestamp':
      return value instanceof Date || typeof value === 'string' ? [] : [`${here}: expected a timestamp`];
    default:
      return [];
  }
}

function requestProblems(service: string, op: string, input: unknown): string[] {
  const model = modelOf(service);
  const shape = model.operations[op]?.input?.shape;
  if (!model.operations[op]) return [`${service}:${op}: no such operation`];
  return shape ? check(model, shape, input ?? {}, '').map((p) => `${service}:${op} ${p}`) : [];
}

async function requestsOf(spec: ClusterSpec) {
  const w = spec.type === 'managed' ? managedWorld(spec) : selfManagedWorld(spec);
  const p = w.provider();
  await createWith(p, spec);
  await p.destroy(stepContext(MemoryCluster.create(spec), spec));
  return w.fake.calls.filter((c) => c.mutating);
}

describe('AWS requests against botocore service models', () => {
  it('the check itself catches an unknown member, a missing required one and an enum value the model lacks', () => {
    expect(
      requestProblems('ec2', 'RunInstances', { MinCount: 1, MaxCount: 1, ImageId: 'ami-1', ClientTokn: 'x' }),
    ).toEqual(['ec2:RunInstances ClientTokn: not a member of RunInstancesRequest']);
    expect(requestProblems('ec2', 'RunInstances', { MinCount: 1 })).toEqual(['ec2:RunInstances MaxCount: required']);
    expect(
      requestProblems('eks', 'CreateNodegroup', {
        clusterName: 'c',
        nodegroupName: 'n',
        nodeRole: 'r',
        subnets: ['s'],
        capacityType: 'SPOTTY',
      }),
    ).toEqual(['eks:CreateNodegroup capacityType: "SPOTTY" is not one of CapacityTypes']);
  });

  it.each([
    [
      'self-managed (spot workers, an Arm type)',
      awsSpec({ name: 'model', workers: { count: 2, size: 't4g.medium', spot: true } }),
    ],
    [
      'EKS (labels and taints on a pool)',
      awsSpec({
        name: 'modeleks',
        type: 'managed',
        region: 'us-west-2',
        nodePools: [
          { name: 'general', count: 2, size: 't3.large', spot: false, labels: {}, taints: [] },
          {
            name: 'spot',
            count: 2,
            size: 'm7g.large',
            spot: true,
            labels: { 'example.com/tier': 'batch' },
            taints: [
              { key: 'spot', value: 'true', effect: 'NoExecute' },
              { key: 'x', value: '', effect: 'PreferNoSchedule' },
            ],
          },
        ],
      }),
    ],
  ] as [string, ClusterSpec][])(
    '%s: create and delete send only what the models define',
    async (_n, spec) => {
      const calls = await requestsOf(spec);
      expect(calls.length).toBeGreaterThan(5);
      expect(calls.flatMap((c) => requestProblems(c.service, c.op, c.input))).toEqual([]);
    },
    60_000,
  );
});

describe('EKS day-2 node group requests against the botocore model', () => {
  it('a pool created with zones, relabelled, scaled and deleted sends only what the model defines', async () => {
    const w = WORLDS.aws();
    try {
      const fake = w.fake as FakeAws;
      await w.manager.create(w.spec, { switchContext: false });
      const id = clusterIdOf(w.spec);
      const opts = { drain: { timeoutMs: 1000, force: false, deleteEmptyDirData: false } };
      const general = w.spec.nodePools[0]!;
      const gpu = pool({ name: 'gpu', count: 1, max: 3, zones: [w.zones[0]], labels: { a: 'b' } }, w.size);
      const start = fake.calls.length;
      await w.manager.reconcilePools(id, { pools: [general, gpu] }, opts);
      await w.manager.reconcilePools(
        id,
        {
          pools: [
            general,
            { ...gpu, count: 3, labels: { c: 'd' }, taints: [{ key: 'k', value: '', effect: 'NoExecute' }] },
          ],
        },
        opts,
      );
      await w.manager.reconcilePools(id, { pools: [general] }, opts);
      const calls = fake.calls.slice(start).filter((c) => c.mutating);
      expect(calls.map((c) => c.op)).toEqual([
        'CreateNodegroup',
        'UpdateNodegroupConfig',
        'UpdateNodegroupConfig',
        'DeleteNodegroup',
      ]);
      expect(calls.flatMap((c) => requestProblems(c.service, c.op, c.input))).toEqual([]);
      // The update payloads as EKS takes them: labels added and removed, taints with EKS's effect names.
      expect(calls[1]!.input).toMatchObject({
        labels: { addOrUpdateLabels: { c: 'd' }, removeLabels: ['a'] },
        taints: { addOrUpdateTaints: [{ key: 'k', effect: 'NO_EXECUTE' }] },
      });
      expect(calls[2]!.input).toMatchObject({ scalingConfig: { minSize: 3, maxSize: 3, desiredSize: 3 } });
      expect(requestProblems('eks', 'DescribeUpdate', { name: 'c', nodegroupName: 'gpu', updateId: 'u' })).toEqual([]);
    } finally {
      w.close();
    }
  });
});
