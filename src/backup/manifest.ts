/**
 * A backup's manifest: the small, unencrypted description stored beside each bundle, so `backup list`
 * works without the key and a restore can refuse a bundle of another cluster or shape before it
 * decrypts anything. It holds no secret (no key, no token, no certificate).
 */
import type { ClusterId, Distribution } from '../api/types.js';

/**
 * v2: the bundle is sealed as the snapshot streams in (same bytes layout as v1: header, files, GCM tag
 * last), and the manifest gives the snapshot's own SHA-256, checked after decryption and on the
 * members a restore copies it to. v1 manifests (no snapshot SHA-256) are still read and restored.
 */
export const MANIFEST_FORMAT = 'ksctl.io/backup/v2';
const FORMATS = ['ksctl.io/backup/v1', MANIFEST_FORMAT] as const;
export type ManifestFormat = (typeof FORMATS)[number];

/** What a restore must match: the same distribution, etcd kind, member count and Kubernetes minor. */
export interface BackupShape {
  distribution: Distribution;
  /** external: ksctl's etcd machines; embedded: k3s's; stacked: kubeadm's static pods on the control planes. */
  etcd: 'external' | 'embedded' | 'stacked';
  /** etcd members (external) or control planes (embedded, stacked). */
  members: number;
  /** Kubernetes minor (`1.37`): a restore into another minor is an upgrade or downgrade, not a restore. */
  kubernetes: string;
}

export interface BackupManifest {
  format: ManifestFormat;
  name: string;
  cluster: ClusterId;
  /** The cluster incarnation that made it (state.uid), for information: a recreated cluster may restore it. */
  clusterUid?: string;
  shape: BackupShape;
  createdAt: string;
  /** Bytes of the encrypted bundle, and its SHA-256 (checked before decrypting). */
  size: number;
  sha256: string;
  /**
   * The etcd snapshot inside, as `etcdutl snapshot status` reported it (external etcd); a k3s server has
   * no etcdutl, so an embedded etcd's snapshot gives its size and member only. `sha256` (v2): of the
   * snapshot file itself, as the member hashed it and ksctl received it.
   */
  snapshot: { size: number; sha256?: string; revision?: number; totalKeys?: number; hash?: number; member: string };
  encryption: 'AES-256-GCM';
  /** SHA-256 of the key, first 16 hex digits: tells "wrong key" from "damaged bundle". Not the key. */
  keyFingerprint: string;
}

/**
 * The fields the bundle's authentication tag covers: a manifest moved onto another bundle fails to
 * decrypt. The format is one of them (a new bundle is sealed as the newest format).
 */
export function boundFields(
  m: Pick<BackupManifest, 'name' | 'cluster' | 'shape' | 'createdAt'> & { format?: ManifestFormat },
): Buffer {
  const c = m.cluster;
  const s = m.shape;
  return Buffer.from(
    JSON.stringify([
      m.format ?? MANIFEST_FORMAT,
      m.name,
      c.provider,
      c.region,
      c.name,
      s.distribution,
      s.etcd,
      s.members,
      s.kubernetes,
      m.createdAt,
    ]),
  );
}

/** Reads a manifest written by any ksctl: unknown formats are reported, not guessed at. */
export function parseManifest(text: string, where: string): BackupManifest {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`${where}: not a ksctl backup manifest (invalid JSON)`);
  }
  const m = v as Partial<BackupManifest> | null;
  if (!m || typeof m !== 'object' || !FORMATS.includes(m.format as ManifestFormat))
    throw new Error(`${where}: not a ${FORMATS.join(' or ')} manifest`);
  if (
    typeof m.name !== 'string' ||
    !m.cluster ||
    !m.shape ||
    typeof m.sha256 !== 'string' ||
    typeof m.size !== 'number' ||
    typeof m.createdAt !== 'string'
  ) {
    throw new Error(`${where}: manifest is missing name, cluster, shape, size, sha256 or createdAt`);
  }
  return m as BackupManifest;
}
