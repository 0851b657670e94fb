import type { Readable } from 'node:stream';

/**
 * Where bundles are kept: a narrow interface over a directory or an object store. Keys are relative
 * to the target's prefix (`<bundle>.ksb`, `<bundle>.json`), flat, and made by ksctl only.
 */
export interface BackupStorage {
  /** The target as a URL (no credentials), for messages. */
  readonly url: string;
  put(key: string, data: Buffer): Promise<void>;
  /**
   * Stores `body`, exactly `length` bytes (known before the first one arrives), as it streams: memory
   * stays bounded whatever the size. Readers never see part of it (a temp file renamed, or one request).
   */
  putStream(key: string, body: Readable, length: number): Promise<void>;
  /** Undefined when the object does not exist. */
  get(key: string): Promise<Buffer | undefined>;
  /** The object as a stream (undefined when it does not exist): large bundles are never read whole. */
  getStream(key: string): Promise<Readable | undefined>;
  /** Keys directly under the prefix. */
  list(): Promise<string[]>;
  /** Absent is fine. */
  delete(key: string): Promise<void>;
}

/** Joins a prefix and a key the way object stores name objects. */
export const objectName = (prefix: string, key: string): string => (prefix ? `${prefix}/${key}` : key);

/** Keys ksctl writes: a bundle name and one of its two suffixes. */
export const KEY = /^[a-z0-9-]+\.(ksb|json)$/;
