/**
 * Day 2, `delete worker` and a pool's shrink: cordon and drain the node through the API (Eviction,
 * budgets honoured) and delete it; then the ssh provider uninstalls Kubernetes from the user's machine,
 * while a cloud deletes the VM whole (reachable or not: uninstalling first would only slow that down).
 * The machine leaves state last.
 */
import { DEFAULT_DRAIN_TIMEOUT_MS, type DrainFlags } from '../../../api/pool-change.js';
import type { SelfManagedCloud } from '../../../cloud/types.js';
import { drainStep, type NodeRemover } from '../steps/drain.js';
import { releaseMachineStep } from '../steps/release-machine.js';
import type { BootstrapStep } from '../steps/types.js';
import { uninstallWorkerStep } from '../steps/uninstall.js';

type Source = { provider: Pick<SelfManagedCloud, 'provider'> };

export function removeWorkerSteps({ provider }: Source, name: string, stamp: number, force: boolean): BootstrapStep[] {
  // `delete worker`: five minutes for budgets; emptyDir data goes with the machine anyway.
  return removeMachineSteps({ provider }, name, stamp, {
    timeoutMs: DEFAULT_DRAIN_TIMEOUT_MS,
    force,
    deleteEmptyDirData: true,
  });
}

/**
 * One worker's removal with the caller's drain flags, after `needs` (a pool's shrink cordons all its
 * nodes first); `remove` is how the drain reaches the cluster (default: the kubeconfig in state).
 */
export function removeMachineSteps(
  { provider }: Source,
  name: string,
  stamp: number,
  flags: DrainFlags,
  needs: string[] = [],
  remove?: NodeRemover,
): BootstrapStep[] {
  const cloud = provider.provider !== 'ssh';
  const drain = drainStep(name, stamp, flags, needs, remove);
  const before = cloud ? [drain] : [drain, uninstallWorkerStep(name, stamp, [drain.id], flags.force)];
  return [...before, releaseMachineStep(name, stamp, [before[before.length - 1]!.id], cloud)];
}
