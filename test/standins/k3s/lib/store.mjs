// TEST STAND-IN support (not shipped): the k3s launcher's handle on its datastore: a REAL etcd (the
// external one, or the embedded member it started), where it keeps k3s's encrypted bootstrap data.
import { EtcdClient } from './etcd-client.mjs';

export class EtcdStore {
  constructor(endpoints, files) {
    this.client = new EtcdClient(endpoints, files);
    this.kind = 'etcd';
  }

  get(key) {
    return this.client.get(key);
  }
  list(prefix) {
    return this.client.list(prefix);
  }
  put(key, value) {
    return this.client.put(key, value);
  }
  create(key, value) {
    return this.client.create(key, value);
  }
  putIfRev(key, value, rev) {
    return this.client.putIfRev(key, value, rev);
  }
  delete(key) {
    return this.client.delete(key);
  }
  async rev() {
    return Number((await this.client.status()).header?.revision ?? 0);
  }
  /** Resolves when the datastore answers; throws the transport/TLS error otherwise. */
  async ping() {
    await this.client.status();
  }
}
