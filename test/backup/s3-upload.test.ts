/**
 * Streamed bundles into S3 (src/backup/targets/s3-upload.ts) against moto's server, behind the
 * checksum stand-in (test/helpers/s3-checksum-proxy.ts: S3's check of `x-amz-checksum-crc32` on
 * receipt, which moto lacks): a bundle of several parts round-trips with every part's CRC32 checked; a
 * small one is one PutObject; a part S3 refuses, or a source that fails midway, aborts the upload and
 * leaves neither an object nor an unfinished upload; a bucket encrypting with SSE-KMS by default works.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseBackupTarget } from '../../src/api/backup.js';
import { IN_FLIGHT, PART, partSize } from '../../src/backup/targets/s3-upload.js';
import { openStorage } from '../../src/backup/targets/index.js';
import type { BackupStorage } from '../../src/backup/targets/types.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { startChecksumProxy, type ChecksumProxy } from '../helpers/s3-checksum-proxy.js';

let moto: Moto;
let proxy: ChecksumProxy;
let s3: S3Client;
let storage: BackupStorage;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  // Fake credentials for the SDK's default chain (it reads process.env); the machine's own are never read.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
  });
  moto = await startMoto('us-east-1');
  proxy = await startChecksumProxy(moto.endpoint);
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true, region: 'us-east-1', credentials });
  for (const Bucket of ['ksctl-backups', 'kms-backups']) await s3.send(new CreateBucketCommand({ Bucket }));
  // A bucket whose default encryption is SSE-KMS: S3 encrypts every part, and ETags are no MD5s.
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: 'kms-backups',
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/backups' } }],
      },
    }),
  );
  const env = {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: proxy.endpoint,
  };
  storage = await openStorage(parseBackupTarget('s3://ksctl-backups/team'), env);
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

beforeEach(() => {
  proxy.seen.length = 0;
  proxy.damagePart = undefined;
});

/** `b` as a stream of uneven chunks (as the sealed bundle arrives), failing after `failAt` bytes if set. */
function source(b: Buffer, failAt?: number): Readable {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  void (async () => {
    for (let i = 0; i < b.length; i += 777_777) {
      if (failAt !== undefined && i >= failAt) {
        out.destroy(new Error('the member went away'));
        return;
      }
      if (!out.write(b.subarray(i, i + 777_777))) await new Promise((r) => out.once('drain', r));
    }
    out.end();
  })();
  return out;
}

const leftovers = async (Bucket: string, Prefix: string) => ({
  uploads: (await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix }))).Uploads ?? [],
  objects: ((await s3.send(new ListObjectsV2Command({ Bucket, Prefix }))).Contents ?? []).map((o) => o.Key),
});

describe('S3 streamed upload', () => {
  it('sends a bundle of several parts, each with its CRC32 checked on receipt, and reads it back byte for byte', async () => {
    const bundle = randomBytes(2 * PART + 3 * 1024 * 1024 + 17); // 3 parts, the last one short
    await storage.putStream('prod-20261207t010000z.ksb', source(bundle), bundle.length);

    const ops = proxy.seen.map((r) => r.op);
    expect(ops).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload']);
    const parts = proxy.seen.filter((r) => r.op === 'UploadPart');
    expect(parts.map((p) => p.partNumber).sort()).toEqual([1, 2, 3]);
    expect(parts.map((p) => p.bytes).reduce((a, b) => a + b)).toBe(bundle.length);
    // Every part named its CRC32 and the stand-in (as S3 would) found it right; no SigV4 payload hash.
    for (const p of parts) expect(p).toMatchObject({ status: 200, contentSha256: 'UNSIGNED-PAYLOAD' });
    expect(parts.every((p) => p.crc32)).toBe(true);

    const back = await storage.get('prod-20261207t010000z.ksb');
    expect(sha(back!)).toBe(sha(bundle));
    expect(await leftovers('ksctl-backups', 'team/')).toEqual({
      uploads: [],
      objects: ['team/prod-20261207t010000z.ksb'],
    });
    await storage.delete('prod-20261207t010000z.ksb');
  }, 60_000);

  it('sends a bundle of one part or less as one PutObject with its CRC32', async () => {
    const bundle = randomBytes(PART - 5);
    await storage.putStream('prod-20261207t020000z.ksb', source(bundle), bundle.length);
    expect(proxy.seen.map((r) => [r.op, r.status, r.bytes])).toEqual([['PutObject', 200, bundle.length]]);
    expect(proxy.seen[0]!.crc32).toBeTruthy();
    expect(sha((await storage.get('prod-20261207t020000z.ksb'))!)).toBe(sha(bundle));
    await storage.delete('prod-20261207t020000z.ksb');
  }, 60_000);

  it('aborts the upload when S3 refuses a part (damaged on the way): no object, no unfinished upload', async () => {
    const bundle = randomBytes(5 * PART + 1);
    proxy.damagePart = 2;
    await expect(storage.putStream('prod-20261207t030000z.ksb', source(bundle), bundle.length)).rejects.toThrow(
      /upload of prod-20261207t030000z\.ksb failed: BadDigest/,
    );
    const seen = proxy.seen.map((r) => r.op);
    expect(proxy.seen.find((r) => r.partNumber === 2)?.status).toBe(400);
    expect(seen).toContain('AbortMultipartUpload');
    expect(seen).not.toContain('CompleteMultipartUpload');
    // The abort came after every part had settled, so no part was stored after it.
    expect(seen.lastIndexOf('UploadPart')).toBeLessThan(seen.indexOf('AbortMultipartUpload'));
    // Reading stopped at the refusal: not all six parts were sent (at most those in flight with it).
    expect(proxy.seen.filter((r) => r.op === 'UploadPart').length).toBeLessThanOrEqual(2 + IN_FLIGHT);
    expect(await leftovers('ksctl-backups', 'team/prod-20261207t030000z')).toEqual({ uploads: [], objects: [] });
    expect(await storage.list()).not.toContain('prod-20261207t030000z.ksb');
  }, 60_000);

  it('aborts the upload when the bundle stops coming midway (the transfer failed)', async () => {
    const bundle = randomBytes(3 * PART);
    await expect(
      storage.putStream('prod-20261207t040000z.ksb', source(bundle, PART + 100), bundle.length),
    ).rejects.toThrow(/the member went away/);
    expect(proxy.seen.map((r) => r.op)).toContain('AbortMultipartUpload');
    expect(await leftovers('ksctl-backups', 'team/prod-20261207t040000z')).toEqual({ uploads: [], objects: [] });
  }, 60_000);

  it('refuses a bundle longer than announced, and aborts', async () => {
    const bundle = randomBytes(2 * PART);
    await expect(storage.putStream('prod-20261207t050000z.ksb', source(bundle), bundle.length - 1)).rejects.toThrow(
      /grew past its announced/,
    );
    expect(await leftovers('ksctl-backups', 'team/prod-20261207t050000z')).toEqual({ uploads: [], objects: [] });
  }, 60_000);

  it('works into a bucket that encrypts with SSE-KMS by default (no ETag is compared)', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: proxy.endpoint,
    };
    const kms = await openStorage(parseBackupTarget('s3://kms-backups/k'), env);
    const bundle = randomBytes(PART + 4096);
    await kms.putStream('prod-20261207t060000z.ksb', source(bundle), bundle.length);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'kms-backups', Key: 'k/prod-20261207t060000z.ksb' }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(sha((await kms.get('prod-20261207t060000z.ksb'))!)).toBe(sha(bundle));
  }, 60_000);

  it("keeps within S3's 10,000 parts: 8 MiB parts up to 78 GiB, larger ones beyond", () => {
    expect(partSize(8 * 1024 ** 3)).toBe(PART);
    expect(partSize(10_000 * PART)).toBe(PART);
    for (const size of [10_000 * PART + 1, 100 * 1024 ** 3, 5 * 1024 ** 4]) {
      expect(partSize(size)).toBeGreaterThan(PART);
      expect(Math.ceil(size / partSize(size))).toBeLessThanOrEqual(10_000);
    }
  });
});
