/**
 * Whether a cluster made from a backup (`create cluster --restore`) has finished its restore, read from
 * its recorded steps. Small on purpose: `create`, `backup create` and `backup restore` ask it before
 * they touch a cluster whose etcd may be half-restored, without loading the restore's plan.
 */
import { InputError } from '../../errors.js';
import { isStepDone } from '../../pipeline/executor.js';
import type { ClusterState } from '../../state/types.js';

/** The restore's last step before the control planes boot (fresh-restore-plan.ts). */
export const forgetNodesId = (tag: string) => `restore/${tag}/forget-nodes`;
/** restore-plan.ts's restoreDoneId, written out so this file loads nothing of the restore. */
const cleanupId = (tag: string) => `restore/${tag}/cleanup`;

/**
 * Until the restore is over, only the same create with --restore may continue: a create without it
 * would boot control planes onto an unfinished restore, a backup would snapshot half-restored data.
 */
export function assertRestoreFinished(st: ClusterState | undefined): void {
  const from = st?.restoredFrom;
  if (!st || !from) return;
  // Both: with stacked etcd the nodes are forgotten before kubeadm init and the restore ends after it.
  if (isStepDone(st.steps, forgetNodesId(from.tag)) && isStepDone(st.steps, cleanupId(from.tag))) return;
  throw new InputError(
    `cluster ${st.id.name} is being made from backup ${from.bundle}, unfinished: run the same create with --restore ${from.bundle} --backup-target ${from.target} to finish it`,
    ['--restore'],
  );
}
