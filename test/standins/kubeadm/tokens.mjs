// TEST STAND-IN support (not shipped): kubeadm bootstrap tokens and uploaded certificates,
// stored as the real ones are so the stand-in API server treats them the same way:
//  - token "<6>.<16>" = Secret kube-system/bootstrap-token-<id> (type bootstrap.kubernetes.io/token)
//    with token-id, token-secret, expiration (RFC 3339; default TTL 24h, "0" = never),
//    usage-bootstrap-authentication/-signing and auth-extra-groups; expired tokens stop working;
//  - `--upload-certs`: Secret kube-system/kubeadm-certs, each file AES-256-GCM encrypted with the
//    certificate key (64 hex chars = 32 bytes; nonce prepended), owned by a TTL-only bootstrap
//    token that expires after 2h (KUBEADM_STANDIN_CERT_KEY_TTL overrides, e.g. "5s"), so the
//    Secret disappears with it, as with kubeadm.
import crypto from 'node:crypto';
import { parseDuration } from './config.mjs';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const rand = (n) => Array.from(crypto.randomBytes(n), (b) => ALNUM[b % 36]).join('');
const b64 = (s) => Buffer.from(s).toString('base64');
const SECRETS = '/api/v1/namespaces/kube-system/secrets';

export const generateToken = () => `${rand(6)}.${rand(16)}`;
export const generateCertificateKey = () => crypto.randomBytes(32).toString('hex');

export function validateToken(token) {
  if (!/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(token)) {
    throw new Error(`the bootstrap token "${token}" was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"`);
  }
}

/** Create the token Secret. opts: { ttl: "24h0m0s", usages, groups, description }. */
export async function createToken(client, token, opts = {}) {
  validateToken(token);
  const [id, secret] = token.split('.');
  const ttlMs = parseDuration(opts.ttl ?? '24h0m0s');
  const usages = opts.usages ?? ['signing', 'authentication'];
  const data = { 'token-id': id, 'token-secret': secret };
  // RFC 3339 has whole seconds: round up so a short TTL (tests use 1-2 s) is never cut shorter.
  if (ttlMs > 0) data.expiration = new Date(Math.ceil((Date.now() + ttlMs) / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  for (const u of usages) data[`usage-bootstrap-${u}`] = 'true';
  const groups = opts.groups ?? (usages.includes('authentication') ? ['system:bootstrappers:kubeadm:default-node-token'] : []);
  if (groups.length) data['auth-extra-groups'] = groups.join(',');
  if (opts.description) data.description = opts.description;
  return client.apply(SECRETS, {
    apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  });
}

function ttlText(ms) {
  if (ms <= 0) return '<invalid>';
  const h = Math.floor(ms / 3600e3); const m = Math.floor(ms / 60e3); const s = Math.floor(ms / 1e3);
  return h >= 1 ? `${h}h` : m >= 1 ? `${m}m` : `${s}s`;
}

/** `kubeadm token list` output. */
export async function listTokens(client) {
  const list = await client.get(`${SECRETS}?fieldSelector=type%3Dbootstrap.kubernetes.io%2Ftoken`);
  const rows = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']];
  for (const s of list.items) {
    const d = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    const usages = Object.keys(d).filter((k) => k.startsWith('usage-bootstrap-') && d[k] === 'true').map((k) => k.slice(16)).sort();
    rows.push([`${d['token-id']}.${d['token-secret']}`, d.expiration ? ttlText(Date.parse(d.expiration) - Date.now()) : '<forever>',
      d.expiration ?? '<never>', usages.join(',') || '<none>', d.description ?? '<none>', d['auth-extra-groups'] ?? '<none>']);
  }
  if (rows.length === 1) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('').trimEnd()).join('\n') + '\n';
}

export async function deleteToken(client, idOrToken) {
  const id = idOrToken.split('.')[0];
  const r = await client.call('DELETE', `${SECRETS}/bootstrap-token-${id}`);
  if (r.status === 404) throw new Error(`delete bootstrap token "${id}": secrets "bootstrap-token-${id}" not found`);
  return `bootstrap token "${id}" deleted`;
}

function encrypt(keyHex, data) {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', Buffer.from(keyHex, 'hex'), iv);
  return Buffer.concat([iv, c.update(data), c.final(), c.getAuthTag()]);
}

function decrypt(keyHex, blob) {
  const d = crypto.createDecipheriv('aes-256-gcm', Buffer.from(keyHex, 'hex'), blob.subarray(0, 12));
  d.setAuthTag(blob.subarray(blob.length - 16));
  return Buffer.concat([d.update(blob.subarray(12, blob.length - 16)), d.final()]).toString();
}

export function validateCertificateKey(key) {
  if (!/^[0-9a-f]{64}$/i.test(key)) throw new Error(`error decoding certificate key: the certificate key must be 64 hex characters (32 bytes), got ${key.length} characters`);
}

/** Store the shared certificates (files: { secretKey: contents }) encrypted with key. */
export async function uploadCerts(client, key, files) {
  validateCertificateKey(key);
  const owner = generateToken();
  const ownerSecret = await createToken(client, owner, { ttl: process.env.KUBEADM_STANDIN_CERT_KEY_TTL ?? '2h0m0s', usages: [],
    description: 'Proxy for managing TTL for the kubeadm-certs secret' });
  await client.apply(SECRETS, {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name: 'kubeadm-certs', namespace: 'kube-system',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Secret', name: ownerSecret.metadata.name, uid: ownerSecret.metadata.uid,
        blockOwnerDeletion: true, controller: true }] },
    data: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, encrypt(key, v).toString('base64')])),
  });
}

/** Fetch and decrypt kubeadm-certs; errors worded as kubeadm's. */
export async function downloadCerts(client, key) {
  validateCertificateKey(key);
  const s = await client.get(`${SECRETS}/kubeadm-certs`);
  if (!s) {
    throw new Error('error downloading certs: error downloading the secret: Secret "kubeadm-certs" was not found in the "kube-system" Namespace. This Secret might have expired. Please, run `kubeadm init phase upload-certs --upload-certs` on a control plane to generate a new one');
  }
  try {
    return Object.fromEntries(Object.entries(s.data).map(([k, v]) => [k, decrypt(key, Buffer.from(v, 'base64'))]));
  } catch {
    throw new Error('error downloading certs: error decoding secret data with provided key: cipher: message authentication failed');
  }
}
