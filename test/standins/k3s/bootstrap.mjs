// TEST STAND-IN support (not shipped): where a k3s server gets its cluster CAs ("bootstrap
// data"), following k3s:
//  - from its own data dir when it ran before;
//  - from the datastore, decrypted with the token (external datastore): a different token than
//    the one the data was saved with is fatal: "bootstrap data already found and encrypted with
//    different token";
//  - from an existing server (--server URL): GET /cacerts (CA pinned by a full K10 token), then
//    GET /v1-k3s/server-bootstrap with basic auth "server:<password>" — a wrong token is a 401;
//  - otherwise generated (first server).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { newCA } from './lib/pki.mjs';
import { request } from './lib/https-json.mjs';
import { hostPath, writeFile } from './lib/paths.mjs';
import { bootstrapKey, caHashOf, decrypt, encrypt } from './token.mjs';

/** File names under <data-dir>/server/tls, as k3s lays them out. */
const FILES = {
  serverCA: ['server-ca.crt', 'server-ca.key'],
  clientCA: ['client-ca.crt', 'client-ca.key'],
  requestHeaderCA: ['request-header-ca.crt', 'request-header-ca.key'],
  etcdServerCA: ['etcd/server-ca.crt', 'etcd/server-ca.key'],
  etcdPeerCA: ['etcd/peer-ca.crt', 'etcd/peer-ca.key'],
};

export function generateBootstrap() {
  const now = Math.floor(Date.now() / 1000);
  return {
    serverCA: newCA(`k3s-server-ca@${now}`),
    clientCA: newCA(`k3s-client-ca@${now}`),
    requestHeaderCA: newCA(`k3s-request-header-ca@${now}`),
    etcdServerCA: newCA(`etcd-server-ca@${now}`),
    etcdPeerCA: newCA(`etcd-peer-ca@${now}`),
    serviceKey: { key: newServiceKey() },
  };
}

/** The service-account signing key: RSA 2048 in PKCS#1 PEM, like k3s's server/tls/service.key. */
function newServiceKey() {
  return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' });
}

export function writeBootstrap(tlsDir, b) {
  for (const [k, [crt, key]] of Object.entries(FILES)) {
    writeFile(path.join(tlsDir, crt), b[k].cert, 0o644);
    writeFile(path.join(tlsDir, key), b[k].key, 0o600);
  }
  writeFile(path.join(tlsDir, 'service.key'), b.serviceKey.key, 0o600);
}

export function readLocalBootstrap(tlsDir) {
  if (!fs.existsSync(hostPath(path.join(tlsDir, FILES.serverCA[0])))) return null;
  const read = (f) => fs.readFileSync(hostPath(path.join(tlsDir, f)), 'utf8');
  const b = Object.fromEntries(
    Object.entries(FILES).map(([k, [crt, key]]) => [k, { cert: read(crt), key: read(key) }]),
  );
  return { ...b, serviceKey: { key: read('service.key') } };
}

/** Bootstrap data saved in the datastore for this token, null when the datastore has none. */
export async function fromDatastore(store, password) {
  const kv = await store.get(bootstrapKey(password));
  if (kv) {
    try {
      return JSON.parse(decrypt(password, kv.value));
    } catch {
      throw new Error('bootstrap data already found and encrypted with different token');
    }
  }
  const others = await store.list('/bootstrap/');
  if (others.length) throw new Error('bootstrap data already found and encrypted with different token');
  return null;
}

/** Save (first writer wins); returns what the datastore holds afterwards. */
export async function saveToDatastore(store, password, b) {
  if (await store.create(bootstrapKey(password), encrypt(password, JSON.stringify(b)))) return b;
  return fromDatastore(store, password);
}

/** CA bundle of a running server; verifies it against the token's pinned hash when there is one. */
export async function fetchCACerts(serverURL, token) {
  const url = new URL('/cacerts', serverURL).href;
  const res = await request(url, { tls: { insecure: true } });
  if (res.status !== 200) throw new Error(`failed to get CA certs: ${url}: ${res.status} ${res.body.trim()}`);
  if (token.caHash && caHashOf(res.body) !== token.caHash) {
    throw new Error(
      `token CA hash does not match the Cluster CA certificate hash: ${token.caHash} != ${caHashOf(res.body)}`,
    );
  }
  return res.body;
}

/** GET /v1-k3s/server-bootstrap from a server, authenticated with the token. */
export async function fromServer(serverURL, token) {
  const ca = await fetchCACerts(serverURL, token);
  const url = new URL('/v1-k3s/server-bootstrap', serverURL).href;
  const res = await request(url, { tls: { ca }, auth: { basic: `server:${token.password}` } });
  if (res.status !== 200)
    throw new Error(
      `failed to get bootstrap data: ${url}: ${res.status} ${res.status === 401 ? 'Unauthorized' : res.body.trim()}`,
    );
  return res.json;
}
