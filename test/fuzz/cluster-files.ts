/**
 * Cluster files as users (and attackers) write them: valid (consistent provider, type, region, counts
 * in range), near-valid (one field off), anything-goes objects, attacks on the YAML reader, and damage
 * (truncation, inserted or overwritten bytes, invalid UTF-8) to any of them.
 */
import fc from 'fast-check';
import { PROVIDERS } from '../../src/api/types.js';
import { stringify } from 'yaml';
import { REGIONS } from '../../src/api/catalog.js';
import { hostileNumber, hostileString, hostileYaml, mostly, wrongType, type FuzzPaths } from './hostile.js';

/** A node pool: mostly well-formed labels and taints (both written forms), sometimes anything. */
function poolArb(
  str: fc.Arbitrary<string>,
  count: fc.Arbitrary<unknown>,
  size: fc.Arbitrary<unknown>,
): fc.Arbitrary<Record<string, unknown>> {
  // Keys of a mapping are strings whatever the YAML says; the values may be anything.
  const labelKey = fc.oneof(
    {
      arbitrary: fc.constantFrom(
        'team',
        'example.com/gpu',
        'node.kubernetes.io/pool',
        'node-role.kubernetes.io/x',
        '-bad',
        'ksctl.io/pool',
      ),
      weight: 4,
    },
    { arbitrary: str, weight: 1 },
  );
  const taint = fc.oneof(
    mostly(
      fc.constantFrom('dedicated=gpu:NoSchedule', 'spot:PreferNoSchedule', 'k=v', 'a=b:NoRun', 'x=y=z:NoExecute'),
      str,
    ),
    fc.record(
      {
        key: mostly(fc.constantFrom('dedicated', 'example.com/x'), str),
        value: mostly(fc.constantFrom('', 'gpu', '-v'), str),
        effect: mostly(fc.constantFrom('NoSchedule', 'NoExecute', 'Never'), str),
      },
      { requiredKeys: ['key', 'effect'] },
    ),
  );
  return fc.record(
    {
      name: mostly(fc.constantFrom('a', 'b', 'gpu', 'default'), str),
      count,
      min: count,
      max: count,
      size,
      spot: mostly(fc.boolean(), wrongType),
      labels: fc.dictionary(labelKey, mostly(fc.constantFrom('x', 'true', '', 'a b'), str), { maxKeys: 3 }),
      taints: fc.array(taint, { maxLength: 3 }),
      zones: fc.array(mostly(fc.constantFrom('us-east-1a', '1', 'europe-west1-b'), str), { maxLength: 2 }),
    },
    { requiredKeys: ['name', 'count'] },
  );
}

function specArb(p: FuzzPaths): fc.Arbitrary<Record<string, unknown>> {
  const str = hostileString(p);
  const count = mostly(fc.integer({ min: 0, max: 9 }), hostileNumber);
  const size = mostly(fc.constantFrom('t3.small', 'Standard_B2s', 'e2-medium'), str);
  const role = fc.record({ count, size }, { requiredKeys: [] });
  const machine = fc.record(
    {
      name: mostly(fc.constantFrom('m0', 'm1', 'lb', 'cp-0', 'w-1'), str),
      role: mostly(fc.constantFrom('loadbalancer', 'etcd', 'controlplane', 'worker'), str),
      address: mostly(fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain()), str),
      privateAddress: mostly(fc.ipV4(), str),
      port: mostly(fc.integer({ min: 1, max: 65535 }), hostileNumber),
      user: mostly(fc.constantFrom('root', 'ubuntu', 'ec2-user', 'admin_1'), str),
      keyFile: mostly(fc.constant(p.goodKey), str),
      hostKey: mostly(
        fc.constant('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'),
        str,
      ),
    },
    { requiredKeys: ['role', 'address'] },
  );
  return fc.record(
    {
      provider: mostly(fc.constantFrom(...PROVIDERS), str),
      type: mostly(fc.constantFrom('managed', 'selfmanaged'), str),
      region: mostly(
        fc.constantFrom(...REGIONS.aws.slice(0, 3), ...REGIONS.gcp.slice(0, 2), 'eastus', 'local', 'lab'),
        str,
      ),
      distribution: mostly(fc.constantFrom('k3s', 'kubeadm'), str),
      kubernetesVersion: mostly(fc.constantFrom('1.37', '1.36', '1.35.2', 'v1.34'), str),
      controlPlane: role,
      workers: fc.record({ count, size, spot: mostly(fc.boolean(), wrongType) }, { requiredKeys: [] }),
      etcd: role,
      loadBalancer: fc.record({ size }, { requiredKeys: [] }),
      nodePools: fc.array(poolArb(str, count, size), { maxLength: 3 }),
      network: fc.record(
        {
          cidr: mostly(fc.constantFrom('10.0.0.0/16', '172.16.0.0/12'), str),
          allowCidrs: fc.array(mostly(fc.constantFrom('203.0.113.7/32', '0.0.0.0/0'), str), { maxLength: 3 }),
        },
        { requiredKeys: [] },
      ),
      machines: fc.array(machine, { maxLength: 6 }),
      ssh: fc.record(
        {
          bastion: fc.record(
            {
              address: mostly(fc.ipV4(), str),
              user: mostly(fc.constant('jump'), str),
              port: mostly(fc.constant(22), hostileNumber),
              keyFile: mostly(fc.constant(p.goodKey), str),
            },
            { requiredKeys: ['address', 'user'] },
          ),
          sudoPassword: mostly(fc.boolean(), wrongType),
        },
        { requiredKeys: [] },
      ),
      credentials: fc.record(
        {
          profile: mostly(fc.constant('dev'), str),
          project: mostly(fc.constant('my-project-1'), str),
          subscriptionId: mostly(fc.uuid(), str),
        },
        { requiredKeys: [] },
      ),
      airgap: fc.record(
        { enabled: mostly(fc.boolean(), wrongType), dir: mostly(fc.constant('/tmp'), str) },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  );
}

/** A cluster file as an object (before YAML): the usual shape, with any field possibly off. */
export function clusterObject(p: FuzzPaths): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      apiVersion: mostly(fc.constant('ksctl.io/v1alpha1'), hostileString(p)),
      kind: mostly(fc.constant('Cluster'), hostileString(p)),
      metadata: fc.record(
        { name: mostly(fc.constantFrom('dev', 'prod-1', 'a'), hostileString(p)) },
        { requiredKeys: [] },
      ),
      spec: specArb(p),
      extra: fc.anything({ maxDepth: 2 }),
    },
    { requiredKeys: ['apiVersion', 'kind'], noNullPrototype: true },
  );
}

/** Cluster files that should work: consistent provider, type, region and counts in range. */
export function validClusterObject(p: FuzzPaths): fc.Arbitrary<Record<string, unknown>> {
  const cloud = fc.constantFrom<'aws' | 'azure' | 'gcp'>('aws', 'azure', 'gcp');
  const version = fc.constantFrom('1.34', '1.35', '1.36', '1.37');
  const managed = cloud.chain((provider) =>
    fc.record(
      {
        provider: fc.constant(provider),
        type: fc.constant('managed'),
        region: fc.constantFrom(...REGIONS[provider]),
        kubernetesVersion: version,
        workers: fc.record({ count: fc.integer({ min: 0, max: 450 }), spot: fc.boolean() }),
        nodePools: fc.uniqueArray(
          fc.record({
            name: fc.constantFrom('general', 'gpu', 'batch'),
            count: fc.integer({ min: 1, max: 20 }),
            labels: fc.dictionary(fc.constantFrom('team', 'example.com/tier'), fc.constantFrom('a', 'web-1')),
            taints: fc.subarray(['dedicated=gpu:NoSchedule', 'example.com/spot:PreferNoSchedule']),
          }),
          { selector: (p) => p.name, maxLength: 3 },
        ),
      },
      { requiredKeys: ['provider', 'type', 'region', 'kubernetesVersion', 'workers'] },
    ),
  );
  const local = fc.record({
    provider: fc.constant('local'),
    workers: fc.record({ count: fc.integer({ min: 0, max: 20 }) }),
    kubernetesVersion: version,
  });
  const selfManaged = cloud.chain((provider) =>
    fc.record({
      provider: fc.constant(provider),
      type: fc.constant('selfmanaged'),
      region: fc.constantFrom(...REGIONS[provider]),
      distribution: fc.constantFrom('k3s', 'kubeadm'),
      controlPlane: fc.record({ count: fc.constantFrom(1, 3, 5, 7) }),
      etcd: fc.record({ count: fc.constantFrom(0, 3, 5, 7) }),
      workers: fc.record({ count: fc.integer({ min: 0, max: 300 }) }),
      network: fc.record({
        allowCidrs: fc.array(fc.constantFrom('203.0.113.7/32', '198.51.100.0/24'), { maxLength: 3 }),
      }),
    }),
  );
  const machine = (role: string) =>
    fc.record({
      role: fc.constant(role),
      address: fc.ipV4(),
      user: fc.constantFrom('root', 'ubuntu'),
      keyFile: fc.constant(p.goodKey),
    });
  const ssh = fc
    .tuple(fc.constantFrom(1, 3), fc.constantFrom(0, 3), fc.integer({ min: 0, max: 5 }))
    .chain(([cp, etcd, workers]) =>
      fc.tuple(
        machine('loadbalancer'),
        fc.array(machine('controlplane'), { minLength: cp, maxLength: cp }),
        fc.array(machine('etcd'), { minLength: etcd, maxLength: etcd }),
        fc.array(machine('worker'), { minLength: workers, maxLength: workers }),
      ),
    )
    .map(([lb, cps, etcds, ws]) => ({
      provider: 'ssh',
      region: 'lab',
      distribution: 'k3s',
      machines: [lb, ...cps, ...etcds, ...ws].map((m, i) => ({
        ...m,
        name: `m${i}`,
        address: `10.9.${i >> 8}.${i & 255}`,
      })),
    }));
  return fc
    .tuple(fc.constantFrom('dev', 'prod-1', 'a'), fc.oneof(managed, local, selfManaged, ssh))
    .map(([name, spec]) => ({ apiVersion: 'ksctl.io/v1alpha1', kind: 'Cluster', metadata: { name }, spec }));
}

/** A valid file with one field (existing or new) replaced by a hostile value or a wrong type. */
export function nearValidClusterObject(p: FuzzPaths): fc.Arbitrary<Record<string, unknown>> {
  const fields = [
    'provider',
    'type',
    'region',
    'distribution',
    'kubernetesVersion',
    'workers.count',
    'workers.size',
    'controlPlane.count',
    'etcd.count',
    'nodePools',
    'nodePools.0.labels',
    'nodePools.0.taints',
    'network.cidr',
    'network.allowCidrs',
    'machines',
    'ssh.sudoPassword',
    'ssh.bastion.address',
    'airgap.dir',
    'credentials.project',
  ];
  return fc
    .tuple(validClusterObject(p), fc.constantFrom(...fields), fc.oneof(hostileString(p), hostileNumber, wrongType))
    .map(([o, field, value]) => {
      const copy = structuredClone(o) as { spec: Record<string, unknown> };
      const keys = field.split('.');
      let cur = copy.spec;
      for (const k of keys.slice(0, -1))
        cur = (cur[k] = typeof cur[k] === 'object' && cur[k] !== null ? cur[k] : {}) as Record<string, unknown>;
      cur[keys.at(-1)!] = value;
      return copy;
    });
}

/** Bytes of a cluster file: valid YAML of a generated object, attacks on the reader, or damage to either. */
export function clusterFileBytes(p: FuzzPaths): fc.Arbitrary<Uint8Array> {
  const fromObject = clusterObject(p).map((o) => {
    try {
      return stringify(o, { lineWidth: 0 });
    } catch {
      return JSON.stringify(o) ?? '';
    }
  });
  const yaml = (a: fc.Arbitrary<Record<string, unknown>>) => a.map((o) => stringify(o, { lineWidth: 0 }));
  const text = fc.oneof(
    { arbitrary: yaml(validClusterObject(p)), weight: 3 },
    { arbitrary: yaml(nearValidClusterObject(p)), weight: 3 },
    { arbitrary: fromObject, weight: 3 },
    { arbitrary: hostileYaml(), weight: 2 },
  );
  const damaged = fc
    .tuple(
      text,
      fc.nat(),
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
      fc.constantFrom('truncate', 'insert', 'overwrite'),
    )
    .map(([t, at, bytes, how]) => {
      const b = Buffer.from(t);
      const i = b.length === 0 ? 0 : at % b.length;
      if (how === 'truncate') return b.subarray(0, i);
      if (how === 'insert') return Buffer.concat([b.subarray(0, i), bytes, b.subarray(i)]);
      const copy = Buffer.from(b);
      copy.set(bytes.subarray(0, Math.max(0, copy.length - i)), i);
      return copy;
    });
  return fc.oneof(
    { arbitrary: text.map((t) => new Uint8Array(Buffer.from(t))), weight: 5 },
    { arbitrary: damaged, weight: 2 },
  );
}
