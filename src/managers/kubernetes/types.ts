/**
 * The domain types of ksctl's Kubernetes API client (src/managers/kubernetes/): what ksctl reads from and
 * asks of a cluster's nodes, independent of @kubernetes/client-node's generated models, so the rest of
 * ksctl (and its tests) never import that package's types.
 */

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** A node taint as the API carries it (`spec.taints[]`). */
export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
}

/** One node as the API server reports it. */
export interface NodeInfo {
  name: string;
  /** The Ready condition is True. */
  ready: boolean;
  /** When the Ready condition last changed (or the node was created, if it has none yet). */
  readySince: string;
  labels: Record<string, string>;
  taints: Taint[];
  /** `spec.providerID` (the cloud's machine id; `ksctl://<cluster>/<machine>` for the ssh provider), if set. */
  providerID?: string;
  /** `status.nodeInfo.kubeletVersion`, e.g. `v1.37.2`. */
  kubeletVersion?: string;
  /** Cordoned (`spec.unschedulable`). */
  unschedulable: boolean;
  /** `metadata.creationTimestamp` (ISO 8601). */
  createdAt: string;
}

/** What a pool asks of its nodes' metadata. */
export interface NodeMetadata {
  labels: Record<string, string>;
  taints: Taint[];
}

export interface DrainOptions {
  /**
   * How long evictions may be refused (HTTP 429: a PodDisruptionBudget would be violated) and evicted
   * pods may take to go, in total; then DrainBlockedError, or with `force` the remaining pods are deleted.
   */
  timeoutMs: number;
  /**
   * After the timeout, delete the pods that still block (bypassing their PodDisruptionBudgets), and evict
   * pods that no controller would recreate (bare pods). kubectl's `--force` covers only the latter and its
   * `--disable-eviction` the former; for removing a node the two go together.
   */
  force?: boolean;
  /**
   * Evict pods with emptyDir volumes, whose data is lost with the node (kubectl's
   * `--delete-emptydir-data`). Without it such pods stop the drain before anything is evicted.
   */
  deleteEmptyDirData?: boolean;
  /** Cancels the drain (Ctrl-C); the node stays cordoned. */
  signal?: AbortSignal;
  /** Progress lines (one per eviction and per retry round). */
  onProgress?: (line: string) => void;
}

/** What a drain did. */
export interface DrainResult {
  node: string;
  /** `namespace/name` of each pod evicted through the Eviction API. */
  evicted: string[];
  /** `namespace/name` of each pod deleted after the timeout (`force`). */
  deleted: string[];
  /** DaemonSet and mirror (static) pods, left alone. */
  skipped: string[];
  /** How many evictions the API refused with 429 and were retried. */
  retries: number;
}

/** What a node must show before it counts as added (the onboarding check). */
export interface OnboardingWant {
  labels?: Record<string, string>;
  taints?: Taint[];
  /** A specific providerID; otherwise any non-empty one. */
  providerID?: string;
}
