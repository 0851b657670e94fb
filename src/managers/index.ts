/** Picks the manager for a cluster type, loading the self-managed machinery only when needed. */
import type { ClusterId, ClusterSpec, ClusterType } from '../api/types.js';
import type { PlannedResource } from '../cloud/types.js';
import type { Plan } from '../pipeline/types.js';
import type { CreateResult } from './managed.js';
import type { ManagerDeps } from './types.js';

export interface ClusterLifecycle {
  plan(spec: ClusterSpec): Promise<{ resources: PlannedResource[]; plan: Plan }>;
  create(spec: ClusterSpec, opts: { switchContext: boolean }): Promise<CreateResult>;
  delete(id: ClusterId): Promise<void>;
}

export async function lifecycleFor(type: ClusterType, deps: ManagerDeps): Promise<ClusterLifecycle> {
  if (type === 'managed') return new (await import('./managed.js')).ManagedManager(deps);
  return new (await import('./selfmanaged/manager.js')).SelfManagedManager(deps, selfManagedOptions(deps));
}

/** Self-managed knobs that come from the environment rather than the spec (never stored in state). */
function selfManagedOptions(deps: ManagerDeps): { sshWaitMs?: number; sudoPassword?: string; askPassphrase?: (file: string) => Promise<string> } {
  const env = deps.env ?? {};
  const wait = Number(env.KSCTL_SSH_WAIT_SECONDS);
  const ask = deps.askSecret;
  return {
    ...(ask ? { askPassphrase: (file: string) => ask(`Passphrase for SSH key ${file}`) } : {}),
    ...(Number.isFinite(wait) && wait > 0 ? { sshWaitMs: wait * 1000 } : {}),
    ...(deps.sudoPassword || env.KSCTL_SUDO_PASSWORD ? { sudoPassword: deps.sudoPassword || env.KSCTL_SUDO_PASSWORD } : {}),
  };
}
