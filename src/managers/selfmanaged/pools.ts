/** Self-managed node pools on day 2: machines created and joined per pool, or drained and released. */
import type { PoolChangeOptions, PoolTarget } from '../../api/pool-change.js';
import type { ClusterId } from '../../api/types.js';
import type { PoolChangeResult } from '../index.js';
import type { SelfManagedManager } from './manager.js';

export async function reconcileSelfManagedPools(
  _mgr: SelfManagedManager,
  id: ClusterId,
  _pools: PoolTarget,
  _opts: PoolChangeOptions,
): Promise<PoolChangeResult> {
  throw new Error(`node pool changes on self-managed cluster ${id.name}: not implemented yet`);
}
