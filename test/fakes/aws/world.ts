/**
 * Ready-made pairs of (AWS provider, FakeAws) for tests: a spec, a fresh fake, providers wired to
 * it, and the World view the generic provider contract needs.
 */
import { applyDefaults } from '../../../src/api/defaults.js';
import type { ClusterSpec } from '../../../src/api/types.js';
import { createAwsManaged, createAwsSelfManaged } from '../../../src/cloud/aws/index.js';
import type { ManagedCloud, SelfManagedCloud } from '../../../src/cloud/types.js';
import type { World, WorldResource } from '../../contract/provider-contract.js';
import { FakeAws, isSimulatedCrash, type FakeAwsOptions } from './fake-aws.js';

/** A self-managed aws cluster as defaults make it (k3s, Kubernetes 1.36), with `overrides` on top. */
export function awsSpec(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  const credentials = {};
  return {
    ...applyDefaults({
      name: 'demo',
      provider: 'aws',
      type: 'selfmanaged',
      region: 'us-east-1',
      distribution: 'k3s',
      kubernetesVersion: '1.36',
      credentials,
    }),
    ...overrides,
  };
}

export const clusterKeyOf = (spec: Pick<ClusterSpec, 'region' | 'name'>) => `aws/${spec.region}/${spec.name}`;

/** Tests run on virtual time: waits cost no wall time and timeouts never fire because the machine was busy. */
export const TEST_CLOCK = 'virtual' as const;

export interface AwsWorld<P> extends World<P> {
  fake: FakeAws;
  provider(): P;
}

function resourcesOf(fake: FakeAws, spec: ClusterSpec): WorldResource[] {
  const key = clusterKeyOf(spec);
  return fake
    .inventory()
    .filter((r) => !r.awsManaged)
    .map((r) => ({
      kind: r.kind,
      id: r.id,
      owned: r.tags['ksctl.io/cluster'] === key,
      recordable: r.kind !== 'volume',
    }));
}

function base<P>(
  spec: ClusterSpec,
  fake: FakeAws,
  provider: () => P,
  expected: () => Record<string, number>,
): AwsWorld<P> {
  return {
    spec,
    fake,
    provider,
    crashAt: (n, when) => void fake.crashAt(n, when),
    clearFaults: () => void fake.clearFaults(),
    throttle: (rate) => void fake.throttle(rate, 7),
    mutatingCalls: () => fake.mutatingCalls().length,
    onCrash: (cb) => void (fake.onCrash = cb),
    resources: () => resourcesOf(fake, spec),
    expectedCounts: expected,
    isCrash: isSimulatedCrash,
  };
}

export function selfManagedWorld(spec: ClusterSpec = awsSpec(), opts: FakeAwsOptions = {}): AwsWorld<SelfManagedCloud> {
  const fake = new FakeAws({ clock: TEST_CLOCK, ...opts });
  const machines = 1 + spec.etcd.count + spec.controlPlane.count + spec.workers.count;
  return base(
    spec,
    fake,
    () => createAwsSelfManaged({ runtime: fake.runtime() }),
    () => ({
      vpc: 1,
      subnet: 3,
      'internet-gateway': 1,
      'route-table': 1,
      'security-group': spec.etcd.count > 0 ? 4 : 3,
      'key-pair': 1,
      instance: machines,
      volume: machines,
    }),
  );
}

export function managedWorld(
  spec: ClusterSpec = awsSpec({ type: 'managed' }),
  opts: FakeAwsOptions = {},
): AwsWorld<ManagedCloud> {
  const fake = new FakeAws({ clock: TEST_CLOCK, ...opts });
  const pools = spec.nodePools.length > 0 ? spec.nodePools.length : 1;
  return base(
    spec,
    fake,
    () => createAwsManaged({ runtime: fake.runtime() }),
    () => ({
      'iam-role': 2,
      vpc: 1,
      subnet: 3,
      'internet-gateway': 1,
      'route-table': 1,
      'eks-cluster': 1,
      'eks-nodegroup': pools,
    }),
  );
}
