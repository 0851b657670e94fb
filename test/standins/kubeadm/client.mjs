// TEST STAND-IN support (not shipped): the API calls kubeadm makes, with the credentials it
// uses for them — /etc/kubernetes/admin.conf on control planes, a bootstrap token on joining nodes.
import { request, sleep } from '../kube-api/https-json.mjs';
import { readKubeconfig } from '../kube-api/kubeconfig.mjs';
import { exists } from '../kube-api/paths.mjs';

export class ApiClient {
  /** server: https URL; creds: { ca, cert, key, token, insecure } */
  constructor(server, creds) {
    this.server = server;
    this.tls = { ca: creds.ca, cert: creds.cert, key: creds.key, insecure: creds.insecure };
    this.auth = creds.token ? { bearer: creds.token } : undefined;
  }

  /**
   * One API call. Like kubeadm's API client it retries connection failures and 5xx answers
   * (every 500 ms, up to KUBEADM_STANDIN_API_RETRY_SECONDS, default 40 s): right after a control
   * plane starts, the load balancer may not route to it yet.
   */
  async call(method, path, body, contentType) {
    const deadline = Date.now() + Number(process.env.KUBEADM_STANDIN_API_RETRY_SECONDS ?? 40) * 1000;
    for (;;) {
      try {
        const r = await request(new URL(path, this.server).href, { method, body, tls: this.tls, auth: this.auth, timeoutMs: 10000,
          headers: contentType ? { 'Content-Type': contentType } : {} });
        if (r.status < 500 || Date.now() > deadline) return r;
      } catch (e) {
        if (Date.now() > deadline || /certificate|self.signed|altnames/i.test(e.message)) throw e;
      }
      await sleep(500);
    }
  }

  /** GET returning the object, null on 404; throws on other failures with the server's message. */
  async get(path) {
    const r = await this.call('GET', path);
    if (r.status === 404) return null;
    if (r.status !== 200) throw apiError(r);
    return r.json;
  }

  async create(path, obj) {
    const r = await this.call('POST', path, obj);
    if (r.status !== 201) throw apiError(r);
    return r.json;
  }

  /** Create, or replace when it exists (kubeadm's CreateOrUpdate). */
  async apply(collection, obj) {
    const r = await this.call('POST', collection, obj);
    if (r.status === 201) return r.json;
    if (r.status !== 409) throw apiError(r);
    const u = await this.call('PUT', `${collection}/${obj.metadata.name}`, obj);
    if (u.status !== 200) throw apiError(u);
    return u.json;
  }

  async patch(path, body) {
    const r = await this.call('PATCH', path, body, 'application/merge-patch+json');
    if (r.status !== 200) throw apiError(r);
    return r.json;
  }

  async delete(path) {
    const r = await this.call('DELETE', path);
    if (r.status !== 200 && r.status !== 404) throw apiError(r);
  }
}

export function apiError(r) {
  return Object.assign(new Error(r.json?.message ?? `${r.status} ${r.body}`), { status: r.status, reason: r.json?.reason });
}

/** Client from a kubeconfig (admin.conf by default), as kubeadm's control-plane commands use. */
export function kubeconfigClient(file = '/etc/kubernetes/admin.conf') {
  if (!exists(file)) throw new Error(`failed to load admin kubeconfig: open ${file}: no such file or directory`);
  const kc = readKubeconfig(file);
  return new ApiClient(kc.server, kc);
}
