/**
 * S3 through @aws-sdk/client-s3 and the default credential chain (env, profile, SSO, instance role).
 * An endpoint override (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, which the SDK reads itself) means an
 * S3-compatible store (MinIO, moto): path-style addressing, since such endpoints rarely have a DNS name
 * per bucket.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ProviderError } from '../../errors.js';
import { s3sdk } from './s3-sdk.js';
import { uploadChecked, unsignedWhenChecksummed } from './s3-upload.js';
import { KEY, objectName, type BackupStorage } from './types.js';

const { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } =
  s3sdk;

export function s3Storage(t: { bucket: string; prefix: string }, url: string, env: NodeJS.ProcessEnv): BackupStorage {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  const client = new S3Client({
    ...(env.AWS_REGION || env.AWS_DEFAULT_REGION ? {} : { region: 'us-east-1' }),
    // No SDK-made checksum on every request: for a streamed body it means aws-chunked encoding with a
    // trailing CRC32, which S3-compatible stores handle worst (moto: 3x the time of the same bytes
    // with a Content-Length; some stores reject it). Instead a bundle goes up in parts of known length,
    // each with its CRC32 in a header (s3-upload.ts), small objects carry an explicit SHA-256, and the
    // bundle's SHA-256 in its manifest and its GCM tag are checked again before a restore uses it.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    followRegionRedirects: true,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
  unsignedWhenChecksummed(client);
  const name = (key: string) => {
    if (!KEY.test(key)) throw new Error(`invalid backup object name ${key}`);
    return objectName(t.prefix, key);
  };
  const fail = (what: string, e: unknown): ProviderError =>
    new ProviderError(`${url}: ${what} failed: ${(e as Error).name}: ${(e as Error).message}`, { cause: e });
  const open = async (key: string) => {
    try {
      return (await client.send(new GetObjectCommand({ Bucket: t.bucket, Key: name(key) }))).Body;
    } catch (e) {
      if (e instanceof S3ServiceException && (e.name === 'NoSuchKey' || e.$metadata.httpStatusCode === 404))
        return undefined;
      throw fail(`download of ${key}`, e);
    }
  };
  return {
    url,
    async put(key, data) {
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: t.bucket,
            Key: name(key),
            Body: data,
            ContentLength: data.length,
            ChecksumSHA256: createHash('sha256').update(data).digest('base64'), // S3 refuses it if changed
          }),
        );
      } catch (e) {
        throw fail(`upload of ${key}`, e);
      }
    },
    async putStream(key, body, length) {
      try {
        await uploadChecked({ client, bucket: t.bucket, key: name(key) }, body, length);
      } catch (e) {
        body.destroy();
        throw fail(`upload of ${key}`, e);
      }
    },
    async get(key) {
      const r = await open(key);
      return r && Buffer.from(await r.transformToByteArray());
    },
    async getStream(key) {
      return (await open(key)) as Readable | undefined;
    },
    async list() {
      const out: string[] = [];
      const base = t.prefix ? `${t.prefix}/` : '';
      let token: string | undefined;
      try {
        do {
          const r = await client.send(
            new ListObjectsV2Command({
              Bucket: t.bucket,
              Prefix: base,
              Delimiter: '/',
              ...(token ? { ContinuationToken: token } : {}),
            }),
          );
          for (const o of r.Contents ?? []) {
            const k = (o.Key ?? '').slice(base.length);
            if (KEY.test(k)) out.push(k);
          }
          token = r.IsTruncated ? r.NextContinuationToken : undefined;
        } while (token);
      } catch (e) {
        throw fail('listing', e);
      }
      return out.sort();
    },
    async delete(key) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: name(key) }));
      } catch (e) {
        throw fail(`deleting ${key}`, e);
      }
    },
  };
}
