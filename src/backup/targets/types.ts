/**
 * Where bundles are kept: a narrow interface over a directory or an object store. Keys are relative
 * to the target's prefix (`<bundle>.ksb`, `<bundle>.json`), flat, and made by ksctl only.
 */
export interface BackupStorage {
  /** The target as a URL (no credentials), for messages. */
  readonly url: string;
  put(key: string, data: Buffer): Promise<void>;
  /** Undefined when the object does not exist. */
  get(key: string): Promise<Buffer | undefined>;
  /** Keys directly under the prefix. */
  list(): Promise<string[]>;
  /** Absent is fine. */
  delete(key: string): Promise<void>;
}

/** Joins a prefix and a key the way object stores name objects. */
export const objectName = (prefix: string, key: string): string => (prefix ? `${prefix}/${key}` : key);

/** Keys ksctl writes: a bundle name and one of its two suffixes. */
export const KEY = /^[a-z0-9-]+\.(ksb|json)$/;
