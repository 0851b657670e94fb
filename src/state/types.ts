/**
 * What ksctl remembers about a cluster, and the store that keeps it. Everything here is safe to print:
 * secrets (private keys, kubeconfigs, tokens, etcd keys) live in the SecretStore, never in ClusterState.
 */
import type { ClusterId, ClusterSpec, ClusterType, Role } from '../api/types.js';
import type { ClusterSummary } from './summary.js';

/** 2: node pools carry labels and taints; self-managed and kind specs list their default pool; workers name their pool. */
export const STATE_SCHEMA_VERSION = 2;

export type Phase = 'creating' | 'ready' | 'failed' | 'interrupted' | 'updating' | 'deleting';

export type StepStatus = 'running' | 'done' | 'failed' | 'interrupted' | 'skipped';

/** One attempt of one step: written as `running` before the step (intent), then with its result. */
export interface StepRecord {
  id: string;
  title: string;
  status: StepStatus;
  /** Which command run this attempt belongs to (index into `runs`). */
  run: number;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  /** Redacted, one line. */
  error?: string;
}

export interface RunRecord {
  command: string;
  startedAt: string;
  endedAt?: string;
  result?: 'ok' | 'failed' | 'interrupted';
  pid: number;
  host: string;
}

/** A cloud resource ksctl created (or adopted by tag), by a stable logical key like `network` or `sg/worker`. */
export interface ResourceRecord {
  kind: string;
  /** Provider's id (vpc-123, /subscriptions/..., projects/.../networks/x). */
  id: string;
  name?: string;
  role?: Role;
  status?: string;
  createdAt: string;
  /** Non-secret extra facts (CIDR, zone, ARN...). */
  data?: Record<string, string | number | boolean | string[]>;
}

/** A machine of a self-managed cluster (or a node of a managed one, when known). */
export interface Machine {
  name: string;
  role: Role;
  /** Address ksctl connects to. */
  publicAddress?: string;
  /** Address cluster members use. */
  privateAddress?: string;
  sshPort: number;
  sshUser: string;
  /** Pinned host public keys (`ssh-ed25519 AAAA...`). */
  hostKeys: string[];
  /** The cloud's own ID (EC2 instance id, Azure VM resource id, GCE zone/name). */
  providerId?: string;
  /**
   * The Kubernetes Node's `spec.providerID` for this machine, in the form the cloud's provider uses
   * (`aws:///<zone>/<instance>`, `azure:///subscriptions/...`, `gce://<project>/<zone>/<name>`), or
   * `ksctl://<cluster>/<machine>` for machines no cloud knows. Given to the kubelet at install.
   */
  nodeProviderId?: string;
  size?: string;
  zone?: string;
  spot?: boolean;
  /** The node pool a worker belongs to (spec.nodePools[].name); unset for other roles. */
  pool?: string;
  /**
   * What the node runs, read back from the machine after it joined (not what was asked for):
   * `kubernetes` from the kubelet / k3s (`v1.36.2`), `distribution` the k3s or kubeadm release.
   */
  installed?: { kubernetes: string; distribution: string; readAt: string };
  /**
   * A worker an upgrade replaces by a new machine of its pool (a surge): that machine's name, recorded
   * before it is made. The old worker leaves state once the new one is onboarded and it is drained.
   */
  replacedBy?: string;
  status: 'pending' | 'running' | 'bootstrapped' | 'removing' | 'failed';
}

export interface KubeconfigRef {
  /** Context/cluster/user name used when merging into the user's kubeconfig. */
  context: string;
  /** API server URL (not a secret). */
  server?: string;
}

/** Where a cluster made from a backup came from (`create cluster --restore`); holds no secret. */
export interface RestoredFrom {
  /** The backup's name and the target it was read from (a URL without credentials). */
  bundle: string;
  target: string;
  /** The cluster that made the backup (the manifest's identity) and when. */
  cluster: ClusterId;
  clusterUid?: string;
  backupCreatedAt: string;
  /** The restore's tag: its steps' ids and the etcd cluster token carry it, so a re-run continues it. */
  tag: string;
}

export interface ClusterState {
  schemaVersion: typeof STATE_SCHEMA_VERSION;
  id: ClusterId;
  type: ClusterType;
  phase: Phase;
  spec: ClusterSpec;
  /**
   * Random id of this incarnation of the cluster, made once when its state is first written. Cloud
   * idempotency tokens include it: a cluster deleted and created again under the same name must not
   * reuse a token the cloud still remembers (EC2 for ≥ 24 h, Compute for an hour). Absent in state
   * written before it existed; `createdAt` stands in then.
   */
  uid?: string;
  createdAt: string;
  updatedAt: string;
  resources: Record<string, ResourceRecord>;
  machines: Record<string, Machine>;
  versions: Record<string, string>;
  steps: StepRecord[];
  runs: RunRecord[];
  kubeconfig?: KubeconfigRef;
  /** Last error, redacted, for `get cluster`. */
  lastError?: string;
  /** Set when the cluster was created from a backup of another (`create cluster --restore`). */
  restoredFrom?: RestoredFrom;
}

/** Who holds a cluster lock: written into the lock file, shown when someone else is blocked. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
  /** Random per acquisition, so a takeover can tell one holder from the next. */
  nonce: string;
}

/** Secret material for one cluster: files of mode 0600 in a 0700 directory. */
export interface SecretStore {
  put(name: string, data: string | Buffer): Promise<void>;
  get(name: string): Promise<string | undefined>;
  has(name: string): Promise<boolean>;
  delete(name: string): Promise<void>;
  /** Absolute path of a secret file (for tools that need a path, like `kind --kubeconfig`). */
  path(name: string): string;
  list(): Promise<string[]>;
}

/** A locked cluster: the only way to change its state. */
export interface ClusterHandle {
  readonly id: ClusterId;
  readonly dir: string;
  /** Current state; undefined until the first save of a new cluster. */
  readonly state: ClusterState | undefined;
  readonly secrets: SecretStore;
  /** Per-cluster log file (redacted lines). */
  readonly logFile: string;
  /** Atomically replace the state (temp file, fsync, rename). */
  save(state: ClusterState): Promise<void>;
  /**
   * Applies `change` to the state it is handed and saves that state atomically; returns the saved state.
   * The argument is the only object whose changes are saved: a change made to an object read earlier
   * (a record captured from `state`) is lost, since a store may hand over a copy.
   */
  update(change: (s: ClusterState) => void): Promise<ClusterState>;
  /** Remove the cluster's directory (after a completed delete). Releases the lock. */
  remove(): Promise<void>;
  release(): void;
}

export interface StateStore {
  /** Root directory ($KSCTL_HOME). */
  readonly root: string;
  /** The summary of every cluster with a readable state file; unreadable ones are reported, not thrown. */
  list(): Promise<{ clusters: ClusterSummary[]; problems: { id: ClusterId; error: string }[] }>;
  /** Ids of clusters named `name`, optionally narrowed. */
  find(name: string, filter?: Partial<Omit<ClusterId, 'name'>>): Promise<ClusterId[]>;
  /** Read without locking; undefined if it does not exist. Throws StateError if corrupt/unknown schema. */
  read(id: ClusterId): Promise<ClusterState | undefined>;
  /** Take the cluster's lock (throws LockedError, exit 3, naming the holder). */
  lock(id: ClusterId, command: string): Promise<ClusterHandle>;
  /** Read-only access to secrets without the lock (switch reads the kubeconfig). */
  secrets(id: ClusterId): SecretStore;
}
