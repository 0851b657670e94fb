/**
 * Encryption at rest: AES-256-GCM with a random 96-bit nonce per bundle and the manifest's identity as
 * additional authenticated data. Layout: "KSCTLBK1" | nonce (12) | ciphertext | tag (16): the tag last,
 * so a bundle is sealed as it streams (stream.ts) and its size is known from the plaintext's. The key
 * is 32 random bytes kept in the cluster's secret store; it never appears in a bundle, name or message.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export const MAGIC = Buffer.from('KSCTLBK1');
export const NONCE = 12;
export const TAG = 16;

/** Bytes of a sealed bundle whose plaintext has `plain` bytes. */
export const sealedSize = (plain: number): number => MAGIC.length + NONCE + plain + TAG;

/** The one message for a failed tag: a wrong key and a changed bundle or manifest look the same to GCM. */
export const NO_DECRYPT =
  'the bundle does not decrypt with this key (wrong key, or the bundle or its manifest was changed)';

export class BundleDecryptError extends Error {}

export function newBackupKey(): Buffer {
  return randomBytes(32);
}

/** First 16 hex digits of SHA-256(key): names a key without revealing it. */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function encrypt(key: Buffer, plain: Buffer, aad: Buffer): Buffer {
  if (key.length !== 32) throw new Error('backup key must be 32 bytes');
  const nonce = randomBytes(NONCE);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([MAGIC, nonce, body, c.getAuthTag()]);
}

export function decrypt(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < MAGIC.length + NONCE + TAG || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new BundleDecryptError('not a ksctl encrypted bundle (bad header)');
  }
  const nonce = sealed.subarray(MAGIC.length, MAGIC.length + NONCE);
  const tag = sealed.subarray(sealed.length - TAG);
  const body = sealed.subarray(MAGIC.length + NONCE, sealed.length - TAG);
  const d = createDecipheriv('aes-256-gcm', key, nonce);
  d.setAAD(aad);
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(body), d.final()]);
  } catch {
    throw new BundleDecryptError(NO_DECRYPT);
  }
}
