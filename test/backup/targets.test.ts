/**
 * Every backup target round-trips a bundle against a real implementation of its API: a directory,
 * S3 (moto's server), Azure Blob (Azurite), GCS (fake-gcs-server), each through ksctl's storage code
 * and the cloud's own SDK. Then: an encrypted bundle is unreadable without its key.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBackupTarget } from '../../src/api/backup.js';
import { headerBytes } from '../../src/backup/bundle.js';
import { decrypt, encrypt, keyFingerprint, newBackupKey, sealedSize } from '../../src/backup/crypto.js';
import { boundFields, MANIFEST_FORMAT, type BackupManifest } from '../../src/backup/manifest.js';
import {
  bundleKey,
  deleteBackup,
  listBackups,
  openStoredBundle,
  readBundle,
  readManifest,
  saveBackup,
  saveManifest,
  sha256,
} from '../../src/backup/repository.js';
import { SealStream } from '../../src/backup/stream.js';
import { openStorage } from '../../src/backup/targets/index.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { startAzurite, startFakeGcs, type Emulator } from '../helpers/storage-emulators.js';

let moto: Moto;
let azurite: Emulator & { connectionString: string };
let gcs: Emulator;
let dir: string;
const env: NodeJS.ProcessEnv = {};

beforeAll(async () => {
  // allSettled: when one emulator fails to start, afterAll still stops the others.
  const [m, a, g] = await Promise.allSettled([startMoto('us-east-1'), startAzurite(), startFakeGcs()]);
  if (m.status === 'fulfilled') moto = m.value;
  if (a.status === 'fulfilled') azurite = a.value;
  if (g.status === 'fulfilled') gcs = g.value;
  for (const r of [m, a, g]) if (r.status === 'rejected') throw r.reason;
  dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-backup-targets-'));
  // Fake credentials for every SDK's default chain; the machine's own are never read.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    STORAGE_EMULATOR_HOST: gcs.endpoint,
    GOOGLE_CLOUD_PROJECT: 'test',
  });
  Object.assign(env, process.env, {
    AWS_ENDPOINT_URL_S3: moto.endpoint,
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
  });
  await new S3Client({ endpoint: moto.endpoint, forcePathStyle: true, region: 'us-east-1' }).send(
    new CreateBucketCommand({ Bucket: 'ksctl-backups' }),
  );
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('backups').create();
  const r = await fetch(`${gcs.endpoint}/storage/v1/b?project=test`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ksctl-backups' }),
  });
  expect(r.ok, await r.text()).toBe(true);
}, 120_000);

afterAll(async () => {
  await Promise.all([moto?.stop(), azurite?.stop(), gcs?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function sealedBackup(name: string, cluster = 'prod', createdAt = new Date().toISOString()) {
  const key = newBackupKey();
  const head = {
    name,
    cluster: { provider: 'ssh' as const, region: 'default', name: cluster },
    shape: { distribution: 'k3s' as const, etcd: 'external' as const, members: 3, kubernetes: '1.37' },
    createdAt,
  };
  const plain = Buffer.concat([Buffer.from('etcd snapshot bytes: '), Buffer.alloc(200_000, 7)]);
  const sealed = encrypt(key, plain, boundFields(head));
  const manifest: BackupManifest = {
    format: MANIFEST_FORMAT,
    ...head,
    size: sealed.length,
    sha256: sha256(sealed),
    snapshot: { size: plain.length, revision: 42, totalKeys: 7, hash: 1, member: 'etcd-0' },
    encryption: 'AES-256-GCM',
    keyFingerprint: keyFingerprint(key),
  };
  return { key, plain, sealed, manifest };
}

const targets = () => [
  ['local directory', `file://${dir}/b`],
  ['S3 (moto)', 's3://ksctl-backups/team/prod'],
  ['Azure Blob (Azurite)', 'az://devstoreaccount1/backups/team/prod'],
  ['GCS (fake-gcs-server)', 'gs://ksctl-backups/team/prod'],
];

describe.each(['local directory', 'S3 (moto)', 'Azure Blob (Azurite)', 'GCS (fake-gcs-server)'])(
  '%s target',
  (label) => {
    it('round-trips a bundle: save, list (this cluster only), read back byte for byte, delete', async () => {
      const url = targets().find(([l]) => l === label)![1]!;
      const storage = await openStorage(parseBackupTarget(url), env);
      const a = sealedBackup('prod-20261207t010000z', 'prod', '2026-12-07T01:00:00.000Z');
      const b = sealedBackup('prod-20261207t020000z', 'prod', '2026-12-07T02:00:00.000Z');
      const other = sealedBackup('staging-20261207t010000z', 'staging');
      for (const x of [b, a, other]) await saveBackup(storage, x.manifest, x.sealed);

      const { backups, problems } = await listBackups(storage, { provider: 'ssh', region: 'default', name: 'prod' });
      expect(problems).toEqual([]);
      expect(backups.map((m) => m.name)).toEqual([a.manifest.name, b.manifest.name]); // oldest first, other cluster left out
      const m = await readManifest(storage, a.manifest.name);
      expect(m).toEqual(a.manifest);
      const back = await readBundle(storage, m!);
      expect(back.equals(a.sealed)).toBe(true);
      expect(decrypt(a.key, back, boundFields(m!)).equals(a.plain)).toBe(true);

      await deleteBackup(storage, a.manifest.name);
      expect(await readManifest(storage, a.manifest.name)).toBeUndefined();
      expect((await listBackups(storage)).backups.map((x) => x.name).sort()).toEqual(
        [b.manifest.name, other.manifest.name].sort(),
      );
      if (label === 'local directory') {
        expect(statSync(`${dir}/b`).mode & 0o777).toBe(0o700);
        expect(statSync(`${dir}/b/${b.manifest.name}.ksb`).mode & 0o777).toBe(0o600);
      }
    }, 60_000);

    it('streams a bundle up (length known up front) and down into a staged file, checked against its manifest', async () => {
      const url = targets().find(([l]) => l === label)![1]!;
      const storage = await openStorage(parseBackupTarget(url), env);
      const key = newBackupKey();
      const head = {
        name: 'prod-20261207t040000z',
        cluster: { provider: 'ssh' as const, region: 'default', name: 'prod' },
        shape: { distribution: 'k3s' as const, etcd: 'external' as const, members: 3, kubernetes: '1.37' },
        createdAt: '2026-12-07T04:00:00.000Z',
      };
      // 9 MiB: more than one Azure block (4 MiB) and one GCS/S3 socket buffer, in uneven pieces.
      const snapshot = Buffer.alloc(9 * 1024 * 1024 + 123);
      for (let i = 0; i < snapshot.length; i += 4096) snapshot.writeUInt32BE(i, i);
      const header = headerBytes({ files: [{ name: 'snapshot.db', size: snapshot.length }], secrets: { a: 'b' } });
      const seal = new SealStream(key, boundFields(head));
      const up = storage.putStream(bundleKey(head.name), seal, sealedSize(header.length + snapshot.length));
      seal.write(header);
      for (let i = 0; i < snapshot.length; i += 1_000_003) seal.write(snapshot.subarray(i, i + 1_000_003));
      seal.end();
      await up;
      const { size, sha256: sum } = await seal.digest();
      const manifest: BackupManifest = {
        format: MANIFEST_FORMAT,
        ...head,
        size,
        sha256: sum,
        snapshot: { size: snapshot.length, sha256: sha256(snapshot), member: 'etcd-0' },
        encryption: 'AES-256-GCM',
        keyFingerprint: keyFingerprint(key),
      };
      await saveManifest(storage, manifest);
      const m = (await readManifest(storage, head.name))!;
      expect(m).toEqual(manifest);
      // The whole-object read agrees with the stream that was sealed.
      expect(sha256((await storage.get(bundleKey(head.name)))!)).toBe(sum);
      const dest = path.join(dir, `${label.split(' ')[0]}-staged.db`);
      const opened = await openStoredBundle(storage, m, key, { 'snapshot.db': dest });
      expect(opened).toEqual({
        secrets: { a: 'b' },
        files: { 'snapshot.db': { size: snapshot.length, sha256: sha256(snapshot) } },
      });
      expect(readFileSync(dest).equals(snapshot)).toBe(true);
      expect(await storage.getStream('prod-20261207t050000z.ksb')).toBeUndefined();
      await deleteBackup(storage, head.name);
    }, 60_000);
  },
);

describe('encryption at rest', () => {
  it('stores no plaintext, and without its key (or with its manifest changed) the bundle does not decrypt', () => {
    const x = sealedBackup('prod-20261207t030000z');
    expect(x.sealed.includes(Buffer.from('etcd snapshot bytes'))).toBe(false);
    expect(x.sealed.subarray(20, 220).equals(x.plain.subarray(0, 200))).toBe(false);
    expect(() => decrypt(newBackupKey(), x.sealed, boundFields(x.manifest))).toThrow(/does not decrypt with this key/);
    expect(() =>
      decrypt(x.key, x.sealed, boundFields({ ...x.manifest, cluster: { ...x.manifest.cluster, name: 'staging' } })),
    ).toThrow(/does not decrypt/);
    const flipped = Buffer.from(x.sealed);
    flipped[100] = flipped[100]! ^ 1;
    expect(() => decrypt(x.key, flipped, boundFields(x.manifest))).toThrow(/does not decrypt/);
    // Two bundles of the same bytes and key differ (a fresh nonce each time).
    expect(encrypt(x.key, x.plain, boundFields(x.manifest)).equals(x.sealed)).toBe(false);
    expect(decrypt(x.key, x.sealed, boundFields(x.manifest)).equals(x.plain)).toBe(true);
  });
});
