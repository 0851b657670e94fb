/**
 * `create cluster --restore <backup> --backup-target <url> [--backup-key-file <path>]`: a new cluster
 * made from a backup of another one (docs/backups.md, "Restore onto a fresh cluster"). Parsed and
 * checked here, before any cluster, storage or cloud call: bad input is exit 2 naming the flag.
 */
import { promises as fs } from 'node:fs';
import { InputError } from '../errors.js';
import { checkBundleName, parseBackupTarget, type BackupTarget } from './backup.js';
import type { ClusterSpec } from './types.js';

export interface RestoreFlags {
  restore?: string;
  backupTarget?: string;
  backupKeyFile?: string;
}

/** What a create from a backup starts from; `key` only when --backup-key-file gave it. */
export interface RestoreRequest {
  bundle: string;
  target: BackupTarget;
  key?: Buffer;
}

/** The largest key file read: a key is 64 hex digits (or 32 raw bytes) and a newline. */
const MAX_KEY_FILE = 4096;

export async function parseRestoreFlags(f: RestoreFlags): Promise<RestoreRequest | undefined> {
  if (f.restore === undefined) {
    for (const [flag, v] of [
      ['--backup-target', f.backupTarget],
      ['--backup-key-file', f.backupKeyFile],
    ] as const) {
      if (v !== undefined)
        throw new InputError(`${flag} goes with --restore <backup>: name the backup to restore, or drop ${flag}`, [
          flag,
        ]);
    }
    return undefined;
  }
  const bundle = checkBundleName(f.restore.trim(), '--restore');
  if (f.backupTarget === undefined)
    throw new InputError(
      '--backup-target is required with --restore: where the backup is (file:///dir, s3://bucket/prefix, az://account/container/prefix or gs://bucket/prefix)',
      ['--backup-target'],
    );
  const target = parseBackupTarget(f.backupTarget, '--backup-target');
  const key = f.backupKeyFile !== undefined ? await readKeyFile(f.backupKeyFile) : undefined;
  return { bundle, target, ...(key ? { key } : {}) };
}

/**
 * A backup key as `secrets/backup-key` holds it (64 hex digits) or as 32 raw bytes. The file's contents
 * never appear in a message.
 */
export async function readKeyFile(file: string, flag = '--backup-key-file'): Promise<Buffer> {
  let raw: Buffer;
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) throw new InputError(`${flag}: ${file} is not a file`, [flag]);
    if (st.size > MAX_KEY_FILE)
      throw new InputError(`${flag}: ${file} is ${st.size} bytes, too big for a backup key`, [flag]);
    raw = await fs.readFile(file);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(
      `${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}): give the copy of the old cluster's secrets/backup-key`,
      [flag],
    );
  }
  const text = raw.toString('latin1').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (raw.length === 32) return raw;
  throw new InputError(
    `${flag}: ${file} does not hold a backup key (64 hex digits, as the old cluster's secrets/backup-key holds it)`,
    [flag],
  );
}

/** A backup restores onto a self-managed cluster: external etcd, k3s embedded or kubeadm stacked (docs/backups.md). */
export function assertRestorableSpec(spec: ClusterSpec): void {
  if (spec.type !== 'selfmanaged')
    throw new InputError(
      `--restore: ${spec.name} is a managed cluster, whose etcd belongs to the cloud; a backup restores onto a self-managed cluster`,
      ['--restore'],
    );
}
