/** Managed clusters' node pools on day 2 (EKS node groups, AKS agent pools, GKE node pools, kind). */
import type { PoolChangeOptions, PoolTarget } from '../../api/pool-change.js';
import type { ClusterId } from '../../api/types.js';
import type { PoolChangeResult } from '../index.js';
import type { ManagerDeps } from '../types.js';

export async function reconcileManagedPools(
  _deps: ManagerDeps,
  id: ClusterId,
  _pools: PoolTarget,
  _opts: PoolChangeOptions,
): Promise<PoolChangeResult> {
  throw new Error(`node pool changes on managed cluster ${id.name}: not implemented yet`);
}
