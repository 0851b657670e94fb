// TEST STAND-IN support (not shipped): a client for REAL etcd 3.4 through its gRPC-gateway JSON
// API (POST /v3/kv/range|put|deleterange, /v3/cluster/member/*), over TLS with the client
// certificate the stand-in was given. Using the real etcd proves the datastore TLS material
// produced by ksctl works. Keys and values travel base64-encoded, as the gateway requires.
import fs from 'node:fs';
import { request } from './https-json.mjs';

const b64 = (s) => Buffer.from(s).toString('base64');
const unb64 = (s) => Buffer.from(s ?? '', 'base64').toString();

/** The key right after every key with this prefix (etcd's range_end for a prefix scan). */
function prefixEnd(prefix) {
  const b = Buffer.from(prefix);
  b[b.length - 1] += 1;
  return b.toString('base64');
}

export class EtcdClient {
  /** endpoints: "https://a:2379,https://b:2379"; files: { caFile, certFile, keyFile } (paths readable now). */
  constructor(endpoints, files = {}) {
    this.endpoints = String(endpoints)
      .split(',')
      .map((e) => e.trim().replace(/\/$/, ''))
      .filter(Boolean);
    const read = (f) => (f ? fs.readFileSync(f) : undefined);
    this.tls = { ca: read(files.caFile), cert: read(files.certFile), key: read(files.keyFile) };
    this.preferred = 0;
  }

  /** POST to the first endpoint that answers; HTTP errors from etcd are thrown with its message. */
  async call(path, body) {
    let lastErr;
    for (let n = 0; n < this.endpoints.length; n++) {
      const idx = (this.preferred + n) % this.endpoints.length;
      try {
        const res = await request(this.endpoints[idx] + path, { method: 'POST', body, tls: this.tls, timeoutMs: 4000 });
        if (res.status !== 200) {
          const msg = res.json?.error ?? res.json?.message ?? res.body;
          // A member that lost quorum or is still starting: try the next endpoint.
          lastErr = new Error(`etcd ${path}: ${res.status} ${msg}`);
          continue;
        }
        this.preferred = idx;
        return res.json ?? {};
      } catch (e) {
        lastErr = e;
      }
    }
    throw lastErr ?? new Error('no etcd endpoints');
  }

  async get(key) {
    const r = await this.call('/v3/kv/range', { key: b64(key) });
    const kv = r.kvs?.[0];
    return kv ? { key, value: unb64(kv.value), rev: Number(kv.mod_revision) } : null;
  }

  async list(prefix) {
    const r = await this.call('/v3/kv/range', { key: b64(prefix), range_end: prefixEnd(prefix) });
    return (r.kvs ?? []).map((kv) => ({ key: unb64(kv.key), value: unb64(kv.value), rev: Number(kv.mod_revision) }));
  }

  /** Put and return the new revision. */
  async put(key, value) {
    const r = await this.call('/v3/kv/put', { key: b64(key), value: b64(value) });
    return Number(r.header?.revision ?? 0);
  }

  /**
   * Create only if absent (transaction on create_revision == 0); resolves true when written.
   * Used so two servers racing to bootstrap a cluster agree on one CA.
   */
  async create(key, value) {
    const r = await this.call('/v3/kv/txn', {
      compare: [{ key: b64(key), result: 'EQUAL', target: 'CREATE', create_revision: '0' }],
      success: [{ request_put: { key: b64(key), value: b64(value) } }],
    });
    return Boolean(r.succeeded);
  }

  /** Put only if the key's mod_revision is still `rev` (optimistic concurrency); true when written. */
  async putIfRev(key, value, rev) {
    const r = await this.call('/v3/kv/txn', {
      compare: [{ key: b64(key), result: 'EQUAL', target: 'MOD', mod_revision: String(rev) }],
      success: [{ request_put: { key: b64(key), value: b64(value) } }],
    });
    return Boolean(r.succeeded);
  }

  async delete(key) {
    const r = await this.call('/v3/kv/deleterange', { key: b64(key) });
    return Number(r.deleted ?? 0);
  }

  async status() {
    return this.call('/v3/maintenance/status', {});
  }

  async memberList() {
    const r = await this.call('/v3/cluster/member/list', {});
    return r.members ?? [];
  }

  async memberAdd(peerURLs, { learner = false } = {}) {
    return this.call('/v3/cluster/member/add', { peerURLs, ...(learner ? { isLearner: true } : {}) });
  }

  /** Refused by etcd until the learner has caught up with the leader. */
  async memberPromote(id) {
    return this.call('/v3/cluster/member/promote', { ID: id });
  }

  async memberRemove(id) {
    return this.call('/v3/cluster/member/remove', { ID: id });
  }
}
