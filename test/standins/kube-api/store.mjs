// TEST STAND-IN support (not shipped): where the stand-in API servers keep cluster objects.
// Two back ends with one interface (get, list, put, create, putIfRev, delete, rev):
//  - EtcdStore: a REAL etcd (external datastore, or the embedded one the stand-in started), so
//    several control planes behind one load balancer serve the same nodes, tokens and secrets.
//  - FileStore: a JSON file, for a lone k3s server without --cluster-init (real k3s uses sqlite
//    there; it is equally single-server).
import fs from 'node:fs';
import path from 'node:path';
import { EtcdClient } from './etcd-client.mjs';

export class EtcdStore {
  constructor(endpoints, files) {
    this.client = new EtcdClient(endpoints, files);
    this.kind = 'etcd';
  }

  get(key) { return this.client.get(key); }
  list(prefix) { return this.client.list(prefix); }
  put(key, value) { return this.client.put(key, value); }
  create(key, value) { return this.client.create(key, value); }
  putIfRev(key, value, rev) { return this.client.putIfRev(key, value, rev); }
  delete(key) { return this.client.delete(key); }
  async rev() { return Number((await this.client.status()).header?.revision ?? 0); }
  /** Resolves when the datastore answers; throws the transport/TLS error otherwise. */
  async ping() { await this.client.status(); }
}

export class FileStore {
  constructor(file) {
    this.file = file;
    this.kind = 'file';
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.data = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { rev: 1, kvs: {} };
  }

  save() {
    const tmp = this.file + '.tmp';
    fs.writeFileSync(tmp, JSON.stringify(this.data), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  write(key, value) {
    this.data.rev += 1;
    this.data.kvs[key] = { value, rev: this.data.rev };
    this.save();
    return this.data.rev;
  }

  async get(key) {
    const kv = this.data.kvs[key];
    return kv ? { key, value: kv.value, rev: kv.rev } : null;
  }

  async list(prefix) {
    return Object.entries(this.data.kvs).filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, kv]) => ({ key, value: kv.value, rev: kv.rev }));
  }

  async put(key, value) { return this.write(key, value); }

  async create(key, value) {
    if (this.data.kvs[key]) return false;
    this.write(key, value);
    return true;
  }

  async putIfRev(key, value, rev) {
    if ((this.data.kvs[key]?.rev ?? 0) !== rev) return false;
    this.write(key, value);
    return true;
  }

  async delete(key) {
    if (!this.data.kvs[key]) return 0;
    delete this.data.kvs[key];
    this.data.rev += 1;
    this.save();
    return 1;
  }

  async rev() { return this.data.rev; }
  async ping() {}
}
