/**
 * Day 2, `delete worker`: cordon and drain the node through the API (Eviction, budgets honoured) and delete it; then the ssh
 * provider uninstalls Kubernetes from the user's machine, while a cloud deletes the VM whole (reachable
 * or not: uninstalling first would only slow that down). The machine leaves state last.
 */
import type { SelfManagedCloud } from '../../../cloud/types.js';
import { drainStep } from '../steps/drain.js';
import { releaseMachineStep } from '../steps/release-machine.js';
import type { BootstrapStep } from '../steps/types.js';
import { uninstallWorkerStep } from '../steps/uninstall.js';

export function removeWorkerSteps(
  { provider }: { provider: Pick<SelfManagedCloud, 'provider'> },
  name: string,
  stamp: number,
  force: boolean,
): BootstrapStep[] {
  const cloud = provider.provider !== 'ssh';
  const drain = drainStep(name, stamp, force);
  const before = cloud ? [drain] : [drain, uninstallWorkerStep(name, stamp, [drain.id], force)];
  return [...before, releaseMachineStep(name, stamp, [before[before.length - 1]!.id], cloud)];
}
