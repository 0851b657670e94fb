// TEST STAND-IN support (not shipped): `kubeadm join` token discovery, as kubeadm does it:
// fetch kube-public/cluster-info anonymously (TLS unverified), retrying every 5 s until the
// discovery timeout (default 5m0s; KUBEADM_STANDIN_DISCOVERY_TIMEOUT or the config's
// timeouts.discovery shortens it) while the ConfigMap lacks a JWS signature for the token id —
// which is what an expired or unknown token looks like. Then verify the JWS with the token secret,
// pin the CA with --discovery-token-ca-cert-hash, and fetch again with TLS verified by that CA.
import { request, sleep } from '../kube-api/https-json.mjs';
import { detachedJWSValid } from '../kube-api/jws.mjs';
import { caCertHash } from '../kube-api/pki.mjs';
import { parse } from '../kube-api/yaml-lite.mjs';

const PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';

async function getClusterInfo(endpoint, tokenId, tls, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const r = await request(`https://${endpoint}${PATH}`, { tls, timeoutMs: 10000 });
      if (r.status !== 200) throw new Error(`failed to request the cluster-info ConfigMap: ${r.json?.message ?? r.status}`);
      if (r.json.data?.[`jws-kubeconfig-${tokenId}`]) return r.json;
      lastError = new Error(`could not find a JWS signature in the cluster-info ConfigMap for token ID "${tokenId}"`);
    } catch (e) {
      lastError = e.message.startsWith('failed to request') ? e : new Error(`failed to request the cluster-info ConfigMap: ${e.message}`);
    }
    process.stdout.write(`[discovery] Retrying due to error: ${lastError.message}\n`);
    if (Date.now() + 5000 > deadline) throw lastError;
    await sleep(Math.min(5000, deadline - Date.now()));
  }
}

/**
 * Resolve { server, ca } of the cluster behind `endpoint` ("host:port") trusted through the token.
 * opts: { token, caCertHashes, unsafeSkipCAVerification, timeoutMs }.
 */
export async function discover(endpoint, opts) {
  const [id, secret] = opts.token.split('.');
  const insecure = await getClusterInfo(endpoint, id, { insecure: true }, opts.timeoutMs);
  const kubeconfig = insecure.data.kubeconfig;
  if (!kubeconfig) throw new Error('there is no kubeconfig key in the cluster-info ConfigMap. This API Server isn\'t set up for token bootstrapping, can\'t connect');
  if (!detachedJWSValid(insecure.data[`jws-kubeconfig-${id}`], kubeconfig, id, secret)) {
    throw new Error('failed to verify JWS signature of received cluster info object, can\'t trust this API Server');
  }
  const cluster = parse(kubeconfig).clusters[0].cluster;
  const ca = Buffer.from(cluster['certificate-authority-data'], 'base64').toString();
  if (!opts.unsafeSkipCAVerification) {
    const actual = caCertHash(ca);
    if (!opts.caCertHashes.map((h) => h.toLowerCase()).includes(actual)) {
      throw new Error(`cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${actual}" are pinned`);
    }
  }
  const secure = await getClusterInfo(endpoint, id, { ca }, opts.timeoutMs);
  if (secure.data.kubeconfig !== kubeconfig) {
    throw new Error('the second kubeconfig from the cluster-info ConfigMap (using validated TLS) was different from the first');
  }
  return { server: cluster.server, ca };
}
