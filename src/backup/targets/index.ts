/**
 * The storage behind a target, each SDK loaded only when its target is used (`ksctl --help`, `get`
 * and a local backup load none of them).
 */
import { formatBackupTarget, type BackupTarget } from '../../api/backup.js';
import { InputError } from '../../errors.js';
import type { BackupStorage } from './types.js';

/**
 * What can be wrong with a target before any SDK loads (exit 2): an Azure account that differs from
 * the one AZURE_STORAGE_CONNECTION_STRING names. Run before anything is recorded, so opening the
 * storage itself may overlap with the snapshot.
 */
export function checkStorage(t: BackupTarget, env: NodeJS.ProcessEnv = process.env): void {
  const cs = env.AZURE_STORAGE_CONNECTION_STRING;
  if (t.kind !== 'azure' || !cs) return;
  const account = /(?:^|;)\s*AccountName=([^;]+)/i.exec(cs)?.[1]?.trim();
  if (account && account !== t.account) {
    throw new InputError(
      `--target: account "${t.account}" differs from AZURE_STORAGE_CONNECTION_STRING's account "${account}"`,
      ['--target'],
    );
  }
}

export async function openStorage(t: BackupTarget, env: NodeJS.ProcessEnv = process.env): Promise<BackupStorage> {
  checkStorage(t, env);
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
