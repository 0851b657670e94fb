/** Self-managed clusters' allowed CIDRs on day 2: the cloud's firewall rules for SSH and the API. */
import type { ClusterId } from '../../api/types.js';
import type { DayTwoResult } from '../index.js';
import type { SelfManagedManager } from './manager.js';

export async function updateSelfManagedAccess(
  _mgr: SelfManagedManager,
  id: ClusterId,
  _allowCidrs: string[],
  _opts: { dryRun?: boolean },
): Promise<DayTwoResult> {
  throw new Error(`access changes on self-managed cluster ${id.name}: not implemented yet`);
}
