// TEST STAND-IN support (not shipped): k3s join tokens and the encrypted bootstrap data.
// Token formats honoured, as k3s accepts them:
//   full   "K10<sha256 hex of the cluster CA bundle>::<user>:<password>" (user "server" or "node")
//   short  "<password>" (no CA pinning)
// The full form pins the CA: a joining node checks the hash of /cacerts against it.
// Bootstrap data (the cluster CAs) is kept in the datastore encrypted with a key derived from the
// token password (AES-256-GCM, PBKDF2) under /bootstrap/<hash>, so servers sharing an external
// datastore get the same CAs only when they were given the same token.
import crypto from 'node:crypto';

export function parseToken(token) {
  const t = String(token ?? '').trim();
  const m = /^K10([0-9a-f]{64})::([^:]+):(.+)$/.exec(t);
  if (m) return { caHash: m[1], user: m[2], password: m[3] };
  return { caHash: null, user: null, password: t };
}

export const caHashOf = (caBundle) => crypto.createHash('sha256').update(caBundle).digest('hex');

export function formatToken(caBundle, user, password) {
  return `K10${caHashOf(caBundle)}::${user}:${password}`;
}

export const randomPassword = () => crypto.randomBytes(16).toString('hex');

export function bootstrapKey(password) {
  return `/bootstrap/${crypto.createHash('sha256').update(password).digest('hex').slice(0, 12)}`;
}

function keyFor(password, salt) {
  return crypto.pbkdf2Sync(password, salt, 4096, 32, 'sha1');
}

export function encrypt(password, plaintext) {
  const salt = crypto.randomBytes(8);
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', keyFor(password, salt), iv);
  const body = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  return Buffer.concat([salt, iv, body]).toString('base64');
}

/** Decrypt; throws when the password is not the one used to encrypt. */
export function decrypt(password, blob) {
  const raw = Buffer.from(blob, 'base64');
  const salt = raw.subarray(0, 8);
  const iv = raw.subarray(8, 20);
  const tag = raw.subarray(raw.length - 16);
  const body = raw.subarray(20, raw.length - 16);
  const d = crypto.createDecipheriv('aes-256-gcm', keyFor(password, salt), iv);
  d.setAuthTag(tag);
  return Buffer.concat([d.update(body), d.final()]).toString();
}

/** Constant-time string comparison for passwords. */
export function sameSecret(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
