// TEST STAND-IN support (not shipped): `k3s agent --server URL --token T [--node-ip IP]
// [--node-name N] [--node-label k=v] [--node-taint k=v:E]`. Like k3s it validates the token
// against the server through exactly the URL it was given (in HA tests the HAProxy load
// balancer, so a working agent proves the LB forwards): GET /cacerts (pinned by a full K10 token),
// then /v1-k3s/config with basic auth node:<password>. A bad token is logged and retried every
// 5 s without end, as the real agent does (its systemd unit never becomes ready). Then it gets a
// kubelet certificate signed, writes <data-dir>/agent/*, registers its Node through the same URL,
// and stays running, posting node status.
import { newKey, newCSR } from '../kube-api/pki.mjs';
import { request, sleep } from '../kube-api/https-json.mjs';
import { readFile, writeFile } from '../kube-api/paths.mjs';
import { kubeconfigText } from '../kube-api/kubeconfig.mjs';
import { runKubelet } from '../kube-api/kubelet.mjs';
import { newNode } from '../kube-api/objects.mjs';
import { k3sLog } from '../kube-api/log.mjs';
import { fetchCACerts } from './bootstrap.mjs';
import { parseToken } from './token.mjs';
import { defaultNodeIP, defaultNodeName, k3sVersion, labelsAndTaints, setStatus } from './common.mjs';
import { kubeletArg } from './flags.mjs';

const fatal = (msg) => Object.assign(new Error(msg), { fatal: true });

/** Validate the token and fetch the CA; resolves the CA bundle once the server accepts the token. */
async function validate(server, token) {
  for (;;) {
    try {
      const ca = await fetchCACerts(server, token);
      const url = new URL('/v1-k3s/config', server).href;
      const res = await request(url, { tls: { ca }, auth: { basic: `node:${token.password}` } });
      if (res.status === 200) return ca;
      throw new Error(`token is not valid: ${url}: ${res.status} ${res.status === 401 ? 'Unauthorized' : res.body.trim()}`);
    } catch (e) {
      const msg = `Failed to validate connection to cluster at ${server}: ${e.message}`;
      k3sLog.error(msg);
      setStatus('agent', `starting: ${msg}`);
      await sleep(Number(process.env.K3S_STANDIN_RETRY_SECONDS ?? 5) * 1000);
    }
  }
}

export async function runAgent(f) {
  const version = k3sVersion();
  const dataDir = f['data-dir'] ?? '/var/lib/rancher/k3s';
  if (!f.server) throw fatal('--server is required');
  const tokenText = f.token ?? (f['token-file'] ? readFile(f['token-file']).trim() : '');
  if (!tokenText) throw fatal('--token is required');
  if (!/^https:\/\//.test(f.server)) throw fatal(`server url must begin with https://, got ${f.server}`);
  const nodeName = (f['node-name'] ?? defaultNodeName()).toLowerCase();
  const nodeIP = f['node-ip']?.[0] ?? defaultNodeIP();
  setStatus('agent', 'starting');
  k3sLog.info(`Starting k3s agent ${version} (test stand-in)`);
  const token = parseToken(tokenText);
  const ca = await validate(f.server, token);

  const key = newKey();
  const csr = newCSR(key, { cn: `system:node:${nodeName}`, o: ['system:nodes'] });
  const signed = await request(new URL('/standin/v1/sign', f.server).href, { method: 'POST', body: { csr, usage: 'client' },
    tls: { ca }, auth: { basic: `node:${token.password}` } });
  if (signed.status !== 201) throw fatal(`failed to get kubelet client certificate: ${signed.status} ${signed.body}`);
  writeFile(`${dataDir}/agent/server-ca.crt`, ca, 0o644);
  writeFile(`${dataDir}/agent/client-kubelet.crt`, signed.json.cert, 0o644);
  writeFile(`${dataDir}/agent/client-kubelet.key`, key);
  writeFile(`${dataDir}/agent/kubelet.kubeconfig`, kubeconfigText({ server: f.server, ca, cert: signed.json.cert, key }));

  const { labels, taints } = labelsAndTaints(f);
  const node = newNode({ name: nodeName, ip: nodeIP, version, labels, taints, runtime: 'containerd://1.7.26-k3s1',
    providerID: kubeletArg(f, 'provider-id') ?? `k3s://${nodeName}`, instanceType: 'k3s' });
  node.metadata.annotations['k3s.io/node-args'] = JSON.stringify(['agent']);
  node.metadata.annotations['k3s.io/internal-ip'] = nodeIP;
  const kubelet = await runKubelet({ server: f.server, tls: { ca, cert: signed.json.cert, key }, node, log: (m) => k3sLog.info(m) });
  setStatus('agent', 'ready');
  k3sLog.info('k3s agent is up and running');
  const stop = async () => { await kubelet.stop(); process.exit(0); };
  for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, stop);
}
