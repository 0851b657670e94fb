/**
 * Ready-made pairs of (GCP provider, FakeGcp) for tests: a spec, a fresh fake, providers wired to
 * it, and the World view the generic provider contract needs.
 */
import { applyDefaults } from '../../../src/api/defaults.js';
import type { ClusterSpec } from '../../../src/api/types.js';
import { createGcpManaged, createGcpSelfManaged } from '../../../src/cloud/gcp/index.js';
import { firewallPlan } from '../../../src/cloud/gcp/firewall.js';
import { nodePools } from '../../../src/cloud/gcp/gke/nodepools.js';
import { clusterLabel, LABEL_CLUSTER, ownedBy } from '../../../src/cloud/gcp/naming.js';
import type { ManagedCloud, SelfManagedCloud } from '../../../src/cloud/types.js';
import type { World, WorldResource } from '../../contract/provider-contract.js';
import { FakeGcp, isSimulatedCrash, type FakeGcpOptions } from './fake-gcp.js';

/** A self-managed gcp cluster as defaults make it (k3s, Kubernetes 1.36), with `overrides` on top. */
export function gcpSpec(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  const credentials = { project: 'ksctl-fake-project' };
  return {
    ...applyDefaults({
      name: 'demo',
      provider: 'gcp',
      type: 'selfmanaged',
      region: 'us-central1',
      distribution: 'k3s',
      kubernetesVersion: '1.36',
      credentials,
    }),
    ...overrides,
  };
}

export interface GcpWorld<P> extends World<P> {
  fake: FakeGcp;
  provider(): P;
}

function resourcesOf(fake: FakeGcp, spec: ClusterSpec): WorldResource[] {
  return fake.inventory().map((r) => ({
    kind: r.kind,
    id: r.id,
    owned: r.labels ? r.labels[LABEL_CLUSTER] === clusterLabel(spec) : ownedBy(r.description, spec),
    recordable: true,
  }));
}

function base<P>(
  spec: ClusterSpec,
  fake: FakeGcp,
  provider: () => P,
  expected: () => Record<string, number>,
): GcpWorld<P> {
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

export function selfManagedWorld(spec: ClusterSpec = gcpSpec(), opts: FakeGcpOptions = {}): GcpWorld<SelfManagedCloud> {
  const fake = new FakeGcp({ clock: 'virtual', ...opts });
  const machines = 1 + spec.etcd.count + spec.controlPlane.count + spec.workers.count;
  return base(
    spec,
    fake,
    () => createGcpSelfManaged({ runtime: fake.runtime() }),
    () => ({
      network: 1,
      subnetwork: 1,
      firewall: firewallPlan(spec, ['198.51.100.77/32']).length,
      instance: machines,
    }),
  );
}

export function managedWorld(
  spec: ClusterSpec = gcpSpec({ type: 'managed' }),
  opts: FakeGcpOptions = {},
): GcpWorld<ManagedCloud> {
  const fake = new FakeGcp({ clock: 'virtual', ...opts });
  return base(
    spec,
    fake,
    () => createGcpManaged({ runtime: fake.runtime() }),
    () => ({
      network: 1,
      subnetwork: 1,
      'gke-cluster': 1,
      'gke-nodepool': nodePools(spec).length,
    }),
  );
}
