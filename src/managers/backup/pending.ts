/**
 * Which backup or restore an earlier run left unfinished, read from the recorded steps (no extra state
 * field): a re-run after a crash continues that one, with the same name, tag and cluster token.
 */
import type { ClusterState } from '../../state/types.js';
import { isStepDone } from '../../pipeline/executor.js';

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'z')
    .replace('T', 't');

/** `<cluster>-<yyyymmdd>t<hhmmss>z` (api/backup.ts BUNDLE_NAME). */
export const newBackupName = (cluster: string, now: Date): string => `${cluster}-${stamp(now)}`;

/**
 * The backup this run makes: the one an earlier run left unfinished, else a new name no recorded step
 * uses. A second backup within the same second gets a suffix, `-0001` on (4 hex digits, as BUNDLE_NAME
 * allows; they sort in the order made, as retention expects): its steps would otherwise read as done by
 * the first and it would store nothing.
 */
export function backupRunName(s: ClusterState, cluster: string, now: Date): string {
  const pending = pendingBackup(s);
  if (pending) return pending;
  const taken = (n: string) => s.steps.some((st) => st.id.startsWith(`backup/${n}/`));
  const base = newBackupName(cluster, now);
  let name = base;
  for (let i = 1; taken(name); i++) name = `${base}-${i.toString(16).padStart(4, '0')}`;
  return name;
}
export const newRestoreTag = (now: Date): string => now.getTime().toString(36);

export function pendingBackup(s: ClusterState): string | undefined {
  for (let i = s.steps.length - 1; i >= 0; i--) {
    const m = /^backup\/([^/]+)\/snapshot$/.exec(s.steps[i]!.id);
    if (m) return isStepDone(s.steps, `backup/${m[1]}/finish`) ? undefined : m[1];
  }
  return undefined;
}

export function pendingRestore(s: ClusterState): { tag: string; bundle: string } | undefined {
  for (let i = s.steps.length - 1; i >= 0; i--) {
    const m = /^restore\/([^/]+)\/fetch\/(.+)$/.exec(s.steps[i]!.id);
    if (m) return isStepDone(s.steps, `restore/${m[1]}/cleanup`) ? undefined : { tag: m[1]!, bundle: m[2]! };
  }
  return undefined;
}
