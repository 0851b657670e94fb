/**
 * What the day-2 commands ask of a cluster beyond `create`: its node pools brought to a list
 * (`scale nodepool`, `create/delete nodepool`, `apply -f`), its allowed CIDRs changed, its Kubernetes
 * version upgraded. Plain data; the flags that fill it and their checks live beside it in src/api.
 */
import type { MachineSpec, NodePoolSpec } from './types.js';

/** How a node leaves: cordon, evict through the Eviction API (PodDisruptionBudgets honoured), delete. */
export interface DrainFlags {
  /** Bounded wait for evictions a PodDisruptionBudget refuses (`--drain-timeout`). */
  timeoutMs: number;
  /** After the timeout, delete what still blocks instead of failing (`--force`). */
  force: boolean;
  /** Evict pods with emptyDir volumes, whose data is lost (`--delete-emptydir-data`). */
  deleteEmptyDirData: boolean;
}

export const DEFAULT_DRAIN_TIMEOUT_MS = 5 * 60_000;

/**
 * How long `get cluster` waits for the cluster's API to list nodes (the pools' ready counts) before it
 * shows them as unknown: a describe of local state must stay quick when the cluster is unreachable.
 */
export const POOL_STATUS_TIMEOUT_MS = 3_000;

export interface PoolChangeOptions {
  drain: DrainFlags;
  /** Describe the steps, change nothing. */
  dryRun?: boolean;
}

/** The pools a cluster is to have, in full: a pool not listed is deleted, one listed and absent is created. */
export interface PoolTarget {
  pools: NodePoolSpec[];
  /**
   * The ssh provider only: the machines the file lists (spec.machines), where a grown pool's new
   * machines are found by their `pool`. Absent (scale nodepool): a pool can only shrink there.
   */
  machines?: MachineSpec[];
}

export interface UpgradeRequest {
  /** The Kubernetes version to reach (`1.37` or `1.37.2`), one minor above the cluster's at most. */
  to: string;
  drain: DrainFlags;
  dryRun?: boolean;
  /** Take a backup before touching the control plane (default true; `--skip-backup` turns it off). */
  backup: boolean;
  /**
   * Upgrade the workers of a self-managed cluster on AWS, Azure or GCP in place, drained one at a time
   * (`--in-place`, for accounts whose quota has no room for one more machine). Default false: each
   * worker is replaced by a new machine of its pool at the new version first (a surge). The ssh provider
   * always upgrades in place: it cannot make machines.
   */
  inPlace?: boolean;
}
