/** Picks the manager for a cluster type, loading the self-managed machinery only when needed. */
import type { DefaultsOptions } from '../api/defaults.js';
import type { PoolChangeOptions, PoolTarget, UpgradeRequest } from '../api/pool-change.js';
import type { ClusterId, ClusterSpec, ClusterType } from '../api/types.js';
import type { WorkerInput } from '../api/worker-request.js';
import type { PlannedResource } from '../cloud/types.js';
import type { StepDescription } from '../pipeline/types.js';
import type { FreshRestore } from './backup/fresh-restore.js';
import type { ManagerDeps } from './types.js';

export interface CreateResult {
  id: ClusterId;
  context?: string;
  kubeconfigFiles: string[];
}

export interface CreateOptions {
  switchContext: boolean;
  /** Self-managed: made from a backup of another cluster (`--restore`), prepared (checked) beforehand. */
  restore?: FreshRestore;
}

/**
 * Every operation on a cluster, whatever its type; commands call these and nothing else. Each runs the
 * one outline of operation.ts; a day-2 operation is a new plan there and a method here.
 */
export interface ClusterLifecycle {
  /** What `create` would do, for `--dry-run` (self-managed: each step's scripts in `details.scripts`). */
  plan(
    spec: ClusterSpec,
    opts?: Pick<CreateOptions, 'restore'>,
  ): Promise<{ resources: PlannedResource[]; plan: { steps: StepDescription[] } }>;
  create(spec: ClusterSpec, opts: CreateOptions): Promise<CreateResult>;
  delete(id: ClusterId): Promise<void>;
  /**
   * Adds a worker (`add worker`'s flags, checked by src/api/worker-request.ts); `sshDefaults` reads
   * the OpenSSH config that resolves an --address alias. Returns the workers joined.
   */
  addWorker(
    id: ClusterId,
    input: WorkerInput,
    sshDefaults?: (spec: ClusterSpec) => Promise<DefaultsOptions>,
  ): Promise<string[]>;
  /** Drains and removes a worker (ssh provider: uninstalls; `force` releases it unreachable). */
  removeWorker(id: ClusterId, name: string, force?: boolean): Promise<string[]>;
  /**
   * Brings the cluster's node pools to `pools` (`scale nodepool`, `create/delete nodepool`, `apply -f`):
   * new pools created, removed ones drained and deleted, counts grown (all new machines at once) or
   * shrunk (not-Ready nodes first, then the newest; drained), labels and taints set. Recorded and
   * resumable like create; `dryRun` returns the steps and changes nothing.
   */
  reconcilePools(id: ClusterId, pools: PoolTarget, opts: PoolChangeOptions): Promise<PoolChangeResult>;
  /** Sets who may reach the API (and SSH, self-managed): firewall rules or the cloud's authorized ranges. */
  updateAccess(id: ClusterId, allowCidrs: string[], opts: { dryRun?: boolean }): Promise<DayTwoResult>;
  /** One minor (or patch) up, control planes first, then every pool rolling; recorded and resumable. */
  upgrade(id: ClusterId, req: UpgradeRequest): Promise<DayTwoResult>;
}

/** What a day-2 operation did (or, with dryRun, would do). */
export interface DayTwoResult {
  /** The plan's steps as described (always set; with dryRun nothing ran). */
  steps: StepDescription[];
}

export interface PoolChangeResult extends DayTwoResult {
  /** Every pool touched: its count before and after (0 for a pool created or deleted). */
  pools: { name: string; from: number; to: number }[];
  /** Machines (self-managed) or nodes joined and removed. */
  added: string[];
  removed: string[];
}

export async function lifecycleFor(type: ClusterType, deps: ManagerDeps): Promise<ClusterLifecycle> {
  if (type === 'managed') return new (await import('./managed.js')).ManagedManager(deps);
  return new (await import('./selfmanaged/manager.js')).SelfManagedManager(deps, selfManagedOptions(deps));
}

/** Self-managed knobs that come from the environment rather than the spec (never stored in state). */
function selfManagedOptions(deps: ManagerDeps): {
  sshWaitMs?: number;
  sudoPassword?: string;
  askPassphrase?: (file: string) => Promise<string>;
} {
  const env = deps.env ?? {};
  const wait = Number(env.KSCTL_SSH_WAIT_SECONDS);
  const ask = deps.askSecret;
  return {
    ...(ask ? { askPassphrase: (file: string) => ask(`Passphrase for SSH key ${file}`) } : {}),
    ...(Number.isFinite(wait) && wait > 0 ? { sshWaitMs: wait * 1000 } : {}),
    ...(deps.sudoPassword || env.KSCTL_SUDO_PASSWORD
      ? { sudoPassword: deps.sudoPassword || env.KSCTL_SUDO_PASSWORD }
      : {}),
  };
}
