/**
 * One table over the three clouds for the managed node-pool tests: a managed cluster created through
 * ManagedManager (the real outline, the local state store in a temporary directory) against the
 * cloud's fake, and what the fake holds of each pool, read the way each cloud keeps it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyDefaults } from '../../src/api/defaults.js';
import type { SpecInput } from '../../src/api/input.js';
import type { ClusterSpec, NodePoolSpec, TaintSpec } from '../../src/api/types.js';
import { assertValidSpec } from '../../src/api/validate.js';
import type { ProviderHooks } from '../../src/cloud/types.js';
import { kubeconfigTarget } from '../../src/kubeconfig/loading.js';
import { ManagedManager } from '../../src/managers/managed.js';
import type { ManagerDeps } from '../../src/managers/types.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import { silentLogger } from '../../src/util/log.js';
import { FakeAws } from '../fakes/aws/fake-aws.js';
import { FakeAzure, FAKE_SUBSCRIPTION } from '../fakes/azure/fake-azure.js';
import { FakeGcp } from '../fakes/gcp/fake-gcp.js';

/** What the cloud holds of a pool, in ksctl's terms. */
export interface CloudPool {
  name: string;
  count: number;
  labels: Record<string, string>;
  taints: string[];
  zones?: string[];
}

export interface PoolWorld {
  cloud: 'aws' | 'azure' | 'gcp';
  /** The fake itself (FakeAws, FakeAzure or FakeGcp, by `cloud`), for tests that read its records. */
  fake: FakeAws | FakeAzure | FakeGcp;
  spec: ClusterSpec;
  deps: ManagerDeps;
  manager: ManagedManager;
  /** The pools the fake holds (being deleted ones excluded). */
  pools(): CloudPool[];
  mutatingCalls(): number;
  /** Every call, reads included. */
  calls(): number;
  crashAt(n: number, when: 'before' | 'after'): void;
  clearFaults(): void;
  /** Zones the pool tests may name (in the cluster's network / region). */
  zones: [string, string];
  /** A zone the region does not have (or the cluster has no subnet in). */
  badZone: string;
  size: string;
  close(): void;
}

export const taintText = (t: TaintSpec) => `${t.key}=${t.value}:${t.effect}`;
const EKS_EFFECT: Record<string, string> = {
  NO_SCHEDULE: 'NoSchedule',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule',
  NO_EXECUTE: 'NoExecute',
};

function depsFor(hooks: ProviderHooks): { deps: ManagerDeps; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-mpools-'));
  return {
    dir,
    deps: {
      store: new LocalStateStore(path.join(dir, 'state')),
      log: silentLogger,
      kubeconfig: kubeconfigTarget(path.join(dir, 'kubeconfig'), {}),
      signal: new AbortController().signal,
      command: 'ksctl test',
      providerHooks: hooks,
    },
  };
}

function specOf(input: SpecInput): ClusterSpec {
  return assertValidSpec(applyDefaults(input));
}

export function pool(o: Partial<NodePoolSpec> & { name: string }, size: string): NodePoolSpec {
  return { count: 1, size, spot: false, labels: {}, taints: [], ...o };
}

function awsWorld(): PoolWorld {
  const fake = new FakeAws({ clock: 'virtual' });
  const size = 't3.large';
  const spec = specOf({
    name: 'pools',
    provider: 'aws',
    type: 'managed',
    region: 'us-west-2',
    kubernetesVersion: '1.37',
    nodePools: [{ name: 'general', count: 2, size }],
  });
  const { deps, dir } = depsFor({ aws: fake.runtime() });
  return {
    cloud: 'aws',
    fake,
    spec,
    deps,
    manager: new ManagedManager(deps),
    pools: () =>
      Object.values(fake.data.nodegroups)
        .filter((n) => n.status !== 'DELETING')
        .map((n) => ({
          name: n.name,
          count: n.scaling.desiredSize ?? 0,
          labels: n.labels,
          taints: n.taints.map((t) => `${t.key}=${t.value ?? ''}:${EKS_EFFECT[t.effect]}`),
          zones: [
            ...new Set(n.subnets.map((s) => Object.values(fake.data.subnets).find((x) => x.id === s)?.az ?? '?')),
          ].sort(),
        })),
    mutatingCalls: () => fake.mutatingCalls().length,
    calls: () => fake.calls.length,
    crashAt: (n, when) => void fake.crashAt(n, when),
    clearFaults: () => void fake.clearFaults(),
    zones: ['us-west-2a', 'us-west-2b'],
    badZone: 'us-west-2z',
    size,
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function azureWorld(): PoolWorld {
  const fake = new FakeAzure();
  const size = 'Standard_D2s_v5';
  const spec = specOf({
    name: 'pools',
    provider: 'azure',
    type: 'managed',
    region: 'eastus',
    credentials: { subscriptionId: FAKE_SUBSCRIPTION },
    nodePools: [{ name: 'general', count: 2, size }],
  });
  const { deps, dir } = depsFor({ azure: fake.runtime() });
  return {
    cloud: 'azure',
    fake,
    spec,
    deps,
    manager: new ManagedManager(deps),
    pools: () => {
      fake.model.settle(fake.now);
      const cluster = [...fake.model.resources.values()].find((r) => r.type.endsWith('/managedClusters'));
      const profiles = (cluster?.properties['agentPoolProfiles'] as Record<string, unknown>[] | undefined) ?? [];
      return profiles
        .filter((p) => p['mode'] === 'User')
        .map((p) => {
          const labels = (p['nodeLabels'] as Record<string, string> | undefined) ?? {};
          return {
            name: labels['ksctl.io/pool'] ?? String(p['name']),
            count: Number(p['count']),
            labels,
            // AKS keeps kubectl's form, `key:Effect` for a taint without a value.
            taints: ((p['nodeTaints'] as string[] | undefined) ?? []).map((t) =>
              t.includes('=') ? t : t.replace(':', '=:'),
            ),
            ...(p['availabilityZones'] ? { zones: p['availabilityZones'] as string[] } : {}),
          };
        });
    },
    mutatingCalls: () => fake.mutatingCalls().length,
    calls: () => fake.calls.length,
    crashAt: (n, when) => void fake.crashAt(n, when),
    clearFaults: () => fake.clearFaults(),
    zones: ['1', '2'],
    badZone: '7',
    size,
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function gcpWorld(): PoolWorld {
  const fake = new FakeGcp({ clock: 'virtual' });
  const size = 'e2-standard-2';
  const spec = specOf({
    name: 'pools',
    provider: 'gcp',
    type: 'managed',
    region: 'us-central1',
    credentials: { project: 'ksctl-fake-project' },
    nodePools: [{ name: 'general', count: 2, size }],
  });
  const { deps, dir } = depsFor({ gcp: fake.runtime() });
  return {
    cloud: 'gcp',
    fake,
    spec,
    deps,
    manager: new ManagedManager(deps),
    pools: () => {
      fake.settle();
      return [...fake.data.nodePools.entries()]
        .filter(([, p]) => !p.goneAt)
        .map(([k, p]) => ({
          name: p.res.name ?? '',
          count: fake.poolNodes(k),
          labels: p.res.config?.labels ?? {},
          taints: (p.res.config?.taints ?? []).map((t) => `${t.key}=${t.value ?? ''}:${EKS_EFFECT[String(t.effect)]}`),
          zones: [...(p.res.locations ?? [])].sort(),
        }));
    },
    mutatingCalls: () => fake.mutatingCalls().length,
    calls: () => fake.calls.length,
    crashAt: (n, when) => void fake.crashAt(n, when),
    clearFaults: () => void fake.clearFaults(),
    zones: ['us-central1-a', 'us-central1-b'],
    badZone: 'us-central1-z',
    size,
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const WORLDS: Record<PoolWorld['cloud'], () => PoolWorld> = { aws: awsWorld, azure: azureWorld, gcp: gcpWorld };
