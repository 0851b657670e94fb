/**
 * Azure Blob through @azure/storage-blob. Credentials: AZURE_STORAGE_CONNECTION_STRING when set (the
 * variable Azure's own tools read; also how Azurite is reached), else @azure/identity's
 * DefaultAzureCredential against https://<account>.blob.core.windows.net.
 */
import { BlobServiceClient, RestError } from '@azure/storage-blob';
import type { Readable } from 'node:stream';
import { ProviderError } from '../../errors.js';
import { KEY, objectName, type BackupStorage } from './types.js';

export async function azureStorage(
  t: { account: string; container: string; prefix: string },
  url: string,
  env: NodeJS.ProcessEnv,
): Promise<BackupStorage> {
  let service: BlobServiceClient;
  if (env.AZURE_STORAGE_CONNECTION_STRING) {
    // Its account was checked against the target's by checkStorage (index.ts), before the SDK loaded.
    service = BlobServiceClient.fromConnectionString(env.AZURE_STORAGE_CONNECTION_STRING);
  } else {
    const { DefaultAzureCredential } = await import('@azure/identity');
    service = new BlobServiceClient(`https://${t.account}.blob.core.windows.net`, new DefaultAzureCredential());
  }
  const container = service.getContainerClient(t.container);
  const blob = (key: string) => {
    if (!KEY.test(key)) throw new Error(`invalid backup object name ${key}`);
    return container.getBlockBlobClient(objectName(t.prefix, key));
  };
  const fail = (what: string, e: unknown): ProviderError =>
    new ProviderError(`${url}: ${what} failed: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  return {
    url,
    async put(key, data) {
      try {
        await blob(key).uploadData(data);
      } catch (e) {
        throw fail(`upload of ${key}`, e);
      }
    },
    async putStream(key, body) {
      try {
        // Blocks of 4 MiB, 4 in flight (≤ 16 MiB held), committed at the end: readers see all or nothing.
        await blob(key).uploadStream(body, 4 * 1024 * 1024, 4);
      } catch (e) {
        body.destroy();
        throw fail(`upload of ${key}`, e);
      }
    },
    async get(key) {
      try {
        return await blob(key).downloadToBuffer();
      } catch (e) {
        if (e instanceof RestError && e.statusCode === 404) return undefined;
        throw fail(`download of ${key}`, e);
      }
    },
    async getStream(key) {
      try {
        return (await blob(key).download()).readableStreamBody as Readable;
      } catch (e) {
        if (e instanceof RestError && e.statusCode === 404) return undefined;
        throw fail(`download of ${key}`, e);
      }
    },
    async list() {
      const out: string[] = [];
      const base = t.prefix ? `${t.prefix}/` : '';
      try {
        for await (const item of container.listBlobsByHierarchy('/', { prefix: base })) {
          if (item.kind !== 'blob') continue;
          const k = item.name.slice(base.length);
          if (KEY.test(k)) out.push(k);
        }
      } catch (e) {
        throw fail('listing', e);
      }
      return out.sort();
    },
    async delete(key) {
      try {
        await blob(key).deleteIfExists();
      } catch (e) {
        throw fail(`deleting ${key}`, e);
      }
    },
  };
}
