/** Managed clusters' upgrades: the cloud's own, control plane first, then each node pool. */
import type { UpgradeRequest } from '../../api/pool-change.js';
import type { ClusterId } from '../../api/types.js';
import type { DayTwoResult } from '../index.js';
import type { ManagerDeps } from '../types.js';

export async function upgradeManaged(_deps: ManagerDeps, id: ClusterId, _req: UpgradeRequest): Promise<DayTwoResult> {
  throw new Error(`upgrade of managed cluster ${id.name}: not implemented yet`);
}
