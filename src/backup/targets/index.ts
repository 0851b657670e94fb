/**
 * The storage behind a target, each SDK loaded only when its target is used (`ksctl --help`, `get`
 * and a local backup load none of them).
 */
import { formatBackupTarget, type BackupTarget } from '../../api/backup.js';
import type { BackupStorage } from './types.js';

export async function openStorage(t: BackupTarget, env: NodeJS.ProcessEnv = process.env): Promise<BackupStorage> {
  const url = formatBackupTarget(t);
  switch (t.kind) {
    case 'file':
      return new (await import('./local.js')).LocalStorage(t.dir, url);
    case 's3':
      return (await import('./s3.js')).s3Storage(t, url, env);
    case 'azure':
      return (await import('./azure.js')).azureStorage(t, url, env);
    case 'gcs':
      return (await import('./gcs.js')).gcsStorage(t, url, env);
  }
}
