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
  return new (await import('./selfmanaged.js')).SelfManagedManager(deps);
}
