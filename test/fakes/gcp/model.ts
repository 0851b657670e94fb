/** The in-memory model FakeGcp keeps: resources by full id, operations, request ids, configuration. */
import type {
  Firewall,
  GkeCluster,
  GkeNodePool,
  Instance,
  Network,
  Operation,
  Subnetwork,
} from '../../../src/cloud/gcp/sdk.js';

/** A resource plus the fake times at which it becomes ready / disappears. */
export interface Timed<T> {
  res: T;
  readyAt: number;
  goneAt?: number;
  /** Instances: the boot hook (FakeGcp.onInstanceBoot) has run for it. */
  booted?: boolean;
  /** GKE clusters and node pools: RECONCILING (a day-2 update in progress) until then (fake-gke-updates.ts). */
  reconcilingUntil?: number;
}

/** Compute resources an operation can remove once DONE. */
export type RemovableKind = 'networks' | 'subnetworks' | 'firewalls' | 'instances';

export interface FakeOp {
  op: Operation;
  startAt: number;
  doneAt: number;
  /** Error the operation reports once DONE (e.g. RESOURCE_IN_USE_BY_ANOTHER_RESOURCE). */
  error?: { code: string; message: string };
  /**
   * What the operation removes from the model when it completes (a delete), applied by
   * FakeGcp.settle(). Data rather than a closure, so a model in flight can be saved and loaded.
   */
  removes?: { kind: RemovableKind; id: string };
}

export interface FakeGcpData {
  networks: Map<string, Timed<Network>>;
  subnetworks: Map<string, Timed<Subnetwork>>;
  firewalls: Map<string, Timed<Firewall>>;
  instances: Map<string, Timed<Instance>>;
  clusters: Map<string, Timed<GkeCluster> & { busyUntil: number }>;
  nodePools: Map<string, Timed<GkeNodePool>>;
  ops: Map<string, FakeOp>;
  /** requestId → the operation it started and when (Compute dedupes a requestId for 60 minutes). */
  requestIds: Map<string, { op: string; at: number }>;
  seq: number;
}

export const emptyData = (): FakeGcpData => ({
  networks: new Map(),
  subnetworks: new Map(),
  firewalls: new Map(),
  instances: new Map(),
  clusters: new Map(),
  nodePools: new Map(),
  ops: new Map(),
  requestIds: new Map(),
  seq: 0,
});

export interface FakeGcpConfig {
  project: string;
  regions: Record<string, { zones: string[]; status?: string; cpuLimit: number; cpuUsage: number }>;
  /** vCPUs per machine type offered everywhere (minus `notOffered`). */
  machineTypes: Record<string, number>;
  /** Machine types whose `architecture` is ARM64 (every other one is X86_64), as Compute reports it. */
  armMachineTypes: string[];
  /** zone → machine types it does not offer. */
  notOffered: Record<string, string[]>;
  gkeVersions: { regular: string[]; static: string[] };
  /**
   * Instance name → the addresses it gets instead of the computed ones (`networkIP`, and the
   * external `natIP` shown once RUNNING): maps instances onto real SSH test hosts (test/hosts).
   */
  ipMap: Record<string, { publicIp?: string; privateIp?: string }>;
  /** Fake milliseconds. */
  latencies: {
    globalOp: number;
    regionOp: number;
    instanceOp: number;
    instanceBoot: number;
    instanceDelete: number;
    gkeCluster: number;
    gkeClusterDelete: number;
    gkeNodePool: number;
    gkeNodePoolDelete: number;
  };
}

export const defaultConfig = (): FakeGcpConfig => ({
  project: 'ksctl-fake-project',
  regions: {
    'us-central1': {
      zones: ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f'],
      cpuLimit: 200,
      cpuUsage: 0,
    },
    'europe-west1': { zones: ['europe-west1-b', 'europe-west1-c', 'europe-west1-d'], cpuLimit: 24, cpuUsage: 0 },
  },
  machineTypes: {
    'e2-micro': 2,
    'e2-small': 2,
    'e2-medium': 2,
    'e2-standard-2': 2,
    'e2-standard-4': 4,
    'n2-standard-8': 8,
    't2a-standard-1': 1,
    't2a-standard-2': 2,
  },
  armMachineTypes: ['t2a-standard-1', 't2a-standard-2'],
  notOffered: {},
  // As getServerConfig answers in December 2026; the REGULAR channel's default is its second entry.
  gkeVersions: {
    regular: ['1.37.1-gke.1120000', '1.36.6-gke.1345000', '1.35.10-gke.1089000'],
    static: ['1.34.11-gke.1210000'],
  },
  ipMap: {},
  latencies: {
    globalOp: 8_000,
    regionOp: 10_000,
    instanceOp: 12_000,
    instanceBoot: 30_000,
    instanceDelete: 40_000,
    gkeCluster: 6 * 60_000,
    gkeClusterDelete: 4 * 60_000,
    gkeNodePool: 3 * 60_000,
    gkeNodePoolDelete: 2 * 60_000,
  },
});
