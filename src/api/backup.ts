/**
 * Backup input: where bundles go (`--target`), how many to keep (`--keep`) and which bundle a command
 * names. Parsed and validated here, before any cluster, SSH or storage call: bad input is exit 2 with
 * the flag named.
 */
import path from 'node:path';
import { InputError } from '../errors.js';

/** A storage location for backup bundles. `prefix` never starts or ends with `/` ('' = the root). */
export type BackupTarget =
  | { kind: 'file'; dir: string }
  | { kind: 's3'; bucket: string; prefix: string }
  | { kind: 'azure'; account: string; container: string; prefix: string }
  | { kind: 'gcs'; bucket: string; prefix: string };

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;
const AZ_ACCOUNT = /^[a-z0-9]{3,24}$/;
const AZ_CONTAINER = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const PREFIX_PART = /^[A-Za-z0-9._=+-]+$/;

function bad(message: string, flag: string): InputError {
  return new InputError(`${flag}: ${message}`, [flag]);
}

function prefixOf(parts: string[], flag: string): string {
  const segs = parts.filter((p) => p !== '');
  for (const s of segs) {
    if (s === '.' || s === '..' || !PREFIX_PART.test(s))
      throw bad(`prefix segment "${s}" may hold only letters, digits and . _ = + - (no "." or ".." segments)`, flag);
  }
  return segs.join('/');
}

/**
 * `file:///abs/dir` or `/abs/dir`, `s3://bucket/prefix`, `az://account/container/prefix`,
 * `gs://bucket/prefix`. Credentials never go in the URL: each cloud's default credential chain is used.
 */
export function parseBackupTarget(raw: string, flag = '--target'): BackupTarget {
  const url = raw.trim();
  if (url === '') throw bad('must not be empty', flag);
  if (url.length > 1024) throw bad('is longer than 1024 characters', flag);
  if (url.startsWith('/') || url.startsWith('file://')) {
    const p = url.startsWith('file://') ? url.slice('file://'.length) : url;
    if (!p.startsWith('/'))
      throw bad(`"${url}": a file target needs an absolute path (file:///var/backups/ksctl)`, flag);
    if (p.split('/').includes('..')) throw bad(`"${url}": the path must not contain ".."`, flag);
    if (/[\0\n]/.test(p)) throw bad('the path must not contain NUL or newlines', flag);
    return { kind: 'file', dir: path.resolve(p) };
  }
  const m = /^([a-z0-9]+):\/\/([^/?#]*)((?:\/[^?#]*)?)$/.exec(url);
  if (!m)
    throw bad(
      `"${url}" is not a target URL: use file:///dir, s3://bucket/prefix, az://account/container/prefix or gs://bucket/prefix`,
      flag,
    );
  const [, scheme, host, rest] = m as unknown as [string, string, string, string];
  if (host.includes('@') || host.includes(':'))
    throw bad(
      'credentials and ports do not go in the URL: the default credential chain is used (endpoint overrides: AWS_ENDPOINT_URL_S3, AZURE_STORAGE_CONNECTION_STRING, STORAGE_EMULATOR_HOST)',
      flag,
    );
  const parts = rest.split('/');
  switch (scheme) {
    case 's3':
      if (!S3_BUCKET.test(host) || host.includes('..'))
        throw bad(`"${host}" is not an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`, flag);
      return { kind: 's3', bucket: host, prefix: prefixOf(parts, flag) };
    case 'gs':
      if (!GCS_BUCKET.test(host))
        throw bad(
          `"${host}" is not a GCS bucket name (3-63 lowercase letters, digits, dots, hyphens, underscores)`,
          flag,
        );
      return { kind: 'gcs', bucket: host, prefix: prefixOf(parts, flag) };
    case 'az': {
      if (!AZ_ACCOUNT.test(host))
        throw bad(`"${host}" is not an Azure storage account name (3-24 lowercase letters and digits)`, flag);
      const [, container = '', ...more] = parts;
      if (!AZ_CONTAINER.test(container))
        throw bad(
          `"${container}" is not an Azure Blob container name (az://account/container/prefix; 3-63 lowercase letters, digits, single hyphens)`,
          flag,
        );
      return { kind: 'azure', account: host, container, prefix: prefixOf(more, flag) };
    }
    default:
      throw bad(`unknown scheme "${scheme}://": use file://, s3://, az:// or gs://`, flag);
  }
}

/** The target as a URL again (what `list` and `-o json` show; holds no secret). */
export function formatBackupTarget(t: BackupTarget): string {
  const tail = (p: string) => (p ? `/${p}` : '');
  switch (t.kind) {
    case 'file':
      return `file://${t.dir}`;
    case 's3':
      return `s3://${t.bucket}${tail(t.prefix)}`;
    case 'gcs':
      return `gs://${t.bucket}${tail(t.prefix)}`;
    case 'azure':
      return `az://${t.account}/${t.container}${tail(t.prefix)}`;
  }
}

/** `--keep N`: how many of this cluster's bundles to keep after a new one (1..1000). */
export function parseKeep(raw: string | undefined, flag = '--keep'): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[0-9]{1,4}$/.test(raw.trim())) throw bad(`"${raw}" must be a whole number from 1 to 1000`, flag);
  const n = Number(raw.trim());
  if (n < 1 || n > 1000) throw bad(`${n} must be from 1 to 1000`, flag);
  return n;
}

/** Bundle names ksctl makes: `<cluster>-<UTC stamp>` (see managers/backup). */
export const BUNDLE_NAME = /^[a-z0-9]([a-z0-9-]{0,80}[a-z0-9])?-[0-9]{8}t[0-9]{6}z(-[0-9a-f]{4})?$/;

export function checkBundleName(raw: string, flag = '<bundle>'): string {
  if (!BUNDLE_NAME.test(raw))
    throw bad(
      `"${raw.slice(0, 100)}" is not a backup name (see \`ksctl backup list\`: <cluster>-<yyyymmdd>t<hhmmss>z)`,
      flag,
    );
  return raw;
}
