/**
 * Bundles on a storage target: `<name>.ksb` (encrypted) and `<name>.json` (its manifest). The bundle is
 * written first and the manifest last, so a listed backup is always complete; a delete removes the
 * manifest first for the same reason.
 */
import { createHash } from 'node:crypto';
import type { ClusterId } from '../api/types.js';
import { boundFields, parseManifest, type BackupManifest } from './manifest.js';
import { openBundle, type Opened } from './stream.js';
import type { BackupStorage } from './targets/types.js';

export const bundleKey = (name: string) => `${name}.ksb`;
export const manifestKey = (name: string) => `${name}.json`;

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const sameCluster = (a: ClusterId, b: ClusterId) =>
  a.provider === b.provider && a.region === b.region && a.name === b.name;

export async function saveBackup(storage: BackupStorage, manifest: BackupManifest, sealed: Buffer): Promise<void> {
  await storage.put(bundleKey(manifest.name), sealed);
  await saveManifest(storage, manifest);
}

/** The manifest alone, last: the bundle it describes was stored before (streamed, see stream.ts). */
export async function saveManifest(storage: BackupStorage, manifest: BackupManifest): Promise<void> {
  await storage.put(manifestKey(manifest.name), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
}

export async function readManifest(storage: BackupStorage, name: string): Promise<BackupManifest | undefined> {
  const raw = await storage.get(manifestKey(name));
  return raw ? parseManifest(raw.toString('utf8'), `${storage.url}/${manifestKey(name)}`) : undefined;
}

/** Every complete backup at the target (of `cluster` only, when given), oldest first. Unreadable manifests are reported. */
export async function listBackups(
  storage: BackupStorage,
  cluster?: ClusterId,
): Promise<{ backups: BackupManifest[]; problems: string[] }> {
  const keys = await storage.list();
  const backups: BackupManifest[] = [];
  const problems: string[] = [];
  for (const k of keys.filter((x) => x.endsWith('.json'))) {
    try {
      const m = parseManifest((await storage.get(k))?.toString('utf8') ?? '', `${storage.url}/${k}`);
      if (!cluster || sameCluster(m.cluster, cluster)) backups.push(m);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  backups.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  return { backups, problems };
}

/** The encrypted bundle, checked against its manifest's size and SHA-256. */
export async function readBundle(storage: BackupStorage, m: BackupManifest): Promise<Buffer> {
  const b = await storage.get(bundleKey(m.name));
  if (!b) throw new Error(`${storage.url}/${bundleKey(m.name)} is missing (its manifest is there)`);
  if (b.length !== m.size || sha256(b) !== m.sha256)
    throw new Error(
      `${storage.url}/${bundleKey(m.name)} does not match its manifest's size and SHA-256 (damaged or incomplete)`,
    );
  return b;
}

/**
 * Streams the bundle down, checks it against its manifest (size, SHA-256, GCM tag with the manifest's
 * bound fields) and decrypts its files to the paths in `place`, which exist only once all checks passed.
 */
export async function openStoredBundle(
  storage: BackupStorage,
  m: BackupManifest,
  key: Buffer,
  place: Record<string, string>,
): Promise<Opened> {
  const where = `${storage.url}/${bundleKey(m.name)}`;
  const body = await storage.getStream(bundleKey(m.name));
  if (!body) throw new Error(`${where} is missing (its manifest is there)`);
  return openBundle(key, boundFields(m), body, { size: m.size, sha256: m.sha256 }, place, where);
}

export async function deleteBackup(storage: BackupStorage, name: string): Promise<void> {
  await storage.delete(manifestKey(name));
  await storage.delete(bundleKey(name));
}

export { boundFields };
