/**
 * Google Cloud Storage through @google-cloud/storage and Application Default Credentials.
 * STORAGE_EMULATOR_HOST (`http://host:port`, as the Go and Python clients read it; fake-gcs-server in the
 * tests) becomes the API endpoint. The Node library (7.x) reads the variable itself too, but uses it as
 * the JSON API base without `/storage/v1` while uploads add that path to it (storage.js, constructor),
 * so listings 404 against any emulator: it is hidden from the constructor, which reads it once.
 */
import { Storage } from '@google-cloud/storage';
import { pipeline } from 'node:stream/promises';
import { ProviderError } from '../../errors.js';
import { KEY, objectName, type BackupStorage } from './types.js';

function newStorage(emulator: string | undefined): Storage {
  if (!emulator) return new Storage();
  const saved = process.env.STORAGE_EMULATOR_HOST;
  delete process.env.STORAGE_EMULATOR_HOST;
  try {
    return new Storage({ apiEndpoint: emulator.replace(/\/+$/, '') });
  } finally {
    if (saved !== undefined) process.env.STORAGE_EMULATOR_HOST = saved;
  }
}

export function gcsStorage(t: { bucket: string; prefix: string }, url: string, env: NodeJS.ProcessEnv): BackupStorage {
  const bucket = newStorage(env.STORAGE_EMULATOR_HOST).bucket(t.bucket);
  const file = (key: string) => {
    if (!KEY.test(key)) throw new Error(`invalid backup object name ${key}`);
    return bucket.file(objectName(t.prefix, key));
  };
  const fail = (what: string, e: unknown): ProviderError =>
    new ProviderError(`${url}: ${what} failed: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  const code = (e: unknown) => (e as { code?: number }).code;
  return {
    url,
    async put(key, data) {
      try {
        // One request: resumable uploads keep a config file in the home directory and add round trips.
        await file(key).save(data, { resumable: false, contentType: 'application/octet-stream' });
      } catch (e) {
        throw fail(`upload of ${key}`, e);
      }
    },
    async putStream(key, body) {
      try {
        // One multipart request streaming the body; the library checks its CRC32C against the stored object.
        await pipeline(
          body,
          file(key).createWriteStream({ resumable: false, contentType: 'application/octet-stream' }),
        );
      } catch (e) {
        throw fail(`upload of ${key}`, e);
      }
    },
    async getStream(key) {
      try {
        const [exists] = await file(key).exists();
        return exists ? file(key).createReadStream() : undefined;
      } catch (e) {
        throw fail(`download of ${key}`, e);
      }
    },
    async get(key) {
      try {
        const [b] = await file(key).download();
        return b;
      } catch (e) {
        if (code(e) === 404) return undefined;
        throw fail(`download of ${key}`, e);
      }
    },
    async list() {
      const base = t.prefix ? `${t.prefix}/` : '';
      try {
        const [files] = await bucket.getFiles({ prefix: base, delimiter: '/', autoPaginate: true });
        return files
          .map((f) => f.name.slice(base.length))
          .filter((k) => KEY.test(k))
          .sort();
      } catch (e) {
        throw fail('listing', e);
      }
    },
    async delete(key) {
      try {
        await file(key).delete({ ignoreNotFound: true });
      } catch (e) {
        throw fail(`deleting ${key}`, e);
      }
    },
  };
}
