/**
 * Ready-made pairs of (Azure provider, FakeAzure) for tests: a spec, a fresh fake, providers wired
 * to it, and the World view the generic provider contract needs.
 */
import { applyDefaults } from '../../../src/api/defaults.js';
import type { ClusterSpec } from '../../../src/api/types.js';
import { createAzureManaged, createAzureSelfManaged } from '../../../src/cloud/azure/index.js';
import type { ManagedCloud, SelfManagedCloud } from '../../../src/cloud/types.js';
import type { World, WorldResource } from '../../contract/provider-contract.js';
import { FAKE_SUBSCRIPTION, FakeAzure, isSimulatedCrash } from './fake-azure.js';

/** A self-managed azure cluster as defaults make it (k3s, Kubernetes 1.36), with `overrides` on top. */
export function azureSpec(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  const credentials = { subscriptionId: FAKE_SUBSCRIPTION };
  return {
    ...applyDefaults({
      name: 'demo',
      provider: 'azure',
      type: 'selfmanaged',
      region: 'eastus',
      distribution: 'k3s',
      kubernetesVersion: '1.36',
      credentials,
    }),
    ...overrides,
  };
}

export const clusterKeyOf = (spec: Pick<ClusterSpec, 'region' | 'name'>) => `azure/${spec.region}/${spec.name}`;

export interface AzureWorld<P> extends World<P> {
  fake: FakeAzure;
  provider(): P;
}

function resourcesOf(fake: FakeAzure, spec: ClusterSpec): WorldResource[] {
  const key = clusterKeyOf(spec);
  return fake
    .inventory()
    .map((r) => ({ kind: r.kind, id: r.id, owned: r.tags['ksctl.io/cluster'] === key, recordable: true }));
}

function base<P>(
  spec: ClusterSpec,
  fake: FakeAzure,
  provider: () => P,
  expected: () => Record<string, number>,
): AzureWorld<P> {
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

export function selfManagedWorld(
  spec: ClusterSpec = azureSpec(),
  fake = new FakeAzure(),
): AzureWorld<SelfManagedCloud> {
  const machines = 1 + spec.etcd.count + spec.controlPlane.count + spec.workers.count;
  const roles = spec.etcd.count > 0 ? 4 : 3;
  return base(
    spec,
    fake,
    () => createAzureSelfManaged({ runtime: fake.runtime() }),
    () => ({
      resourceGroups: 1,
      virtualNetworks: 1,
      applicationSecurityGroups: roles,
      networkSecurityGroups: roles,
      publicIPAddresses: machines,
      networkInterfaces: machines,
      virtualMachines: machines,
    }),
  );
}

export function managedWorld(
  spec: ClusterSpec = azureSpec({ type: 'managed' }),
  fake = new FakeAzure(),
): AzureWorld<ManagedCloud> {
  return base(
    spec,
    fake,
    () => createAzureManaged({ runtime: fake.runtime() }),
    () => ({ resourceGroups: 1, managedClusters: 1 }),
  );
}
