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
