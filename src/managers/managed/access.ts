/** Managed clusters' API access ranges on day 2 (EKS publicAccessCidrs, AKS authorized IP ranges, GKE master authorized networks). */
import type { ClusterId } from '../../api/types.js';
import type { DayTwoResult } from '../index.js';
import type { ManagerDeps } from '../types.js';

export async function updateManagedAccess(
  _deps: ManagerDeps,
  id: ClusterId,
  _allowCidrs: string[],
  _opts: { dryRun?: boolean },
): Promise<DayTwoResult> {
  throw new Error(`access changes on managed cluster ${id.name}: not implemented yet`);
}
