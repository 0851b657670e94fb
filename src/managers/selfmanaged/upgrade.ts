/** Self-managed rolling upgrades: a backup, control planes one at a time, then each pool. */
import type { UpgradeRequest } from '../../api/pool-change.js';
import type { ClusterId } from '../../api/types.js';
import type { DayTwoResult } from '../index.js';
import type { SelfManagedManager } from './manager.js';

export async function upgradeSelfManaged(
  _mgr: SelfManagedManager,
  id: ClusterId,
  _req: UpgradeRequest,
): Promise<DayTwoResult> {
  throw new Error(`upgrade on self-managed cluster ${id.name}: not implemented yet`);
}
