/** Picks the manager for a cluster type, loading the self-managed machinery only when needed. */
import type { DefaultsOptions } from '../api/defaults.js';
import type { ClusterId, ClusterSpec, ClusterType } from '../api/types.js';
import type { WorkerInput } from '../api/worker-request.js';
import type { PlannedResource } from '../cloud/types.js';
import type { StepDescription } from '../pipeline/types.js';
import type { ManagerDeps } from './types.js';

export interface CreateResult {
  id: ClusterId;
  context?: string;
  kubeconfigFiles: string[];
}

/**
 * Every operation on a cluster, whatever its type; commands call these and nothing else. Each runs the
 * one outline of operation.ts; a day-2 operation is a new plan there and a method here.
 */
export interface ClusterLifecycle {
  /** What `create` would do, for `--dry-run` (self-managed: each step's scripts in `details.scripts`). */
  plan(spec: ClusterSpec): Promise<{ resources: PlannedResource[]; plan: { steps: StepDescription[] } }>;
  create(spec: ClusterSpec, opts: { switchContext: boolean }): Promise<CreateResult>;
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
