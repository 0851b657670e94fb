/**
 * The cluster's backup key: 32 random bytes (hex) in its secret store, made by the first backup. Lose
 * it and the bundles are unreadable; docs/backups.md says to keep a copy elsewhere.
 */
import type { SecretStore } from '../state/types.js';
import { newBackupKey } from './crypto.js';

export const BACKUP_KEY_SECRET = 'backup-key';

export async function readBackupKey(secrets: SecretStore): Promise<Buffer | undefined> {
  const hex = (await secrets.get(BACKUP_KEY_SECRET))?.trim();
  if (hex === undefined) return undefined;
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`secret ${BACKUP_KEY_SECRET} is not 64 hex digits`);
  return Buffer.from(hex, 'hex');
}

export async function ensureBackupKey(secrets: SecretStore): Promise<Buffer> {
  const have = await readBackupKey(secrets);
  if (have) return have;
  const key = newBackupKey();
  await secrets.put(BACKUP_KEY_SECRET, key.toString('hex'));
  return key;
}
