// TEST STAND-IN support (not shipped): `k3s agent --server URL --token T [--node-ip IP] [--node-name N]
// [--node-label k=v] [--node-taint k=v:E] [--kubelet-arg a=b]`. Like k3s it talks to the supervisor
// through exactly the URL it was given (in HA tests the HAProxy load balancer): GET /cacerts (pinned by
// a full K10 token), then /v1-k3s/config with basic auth node:<password> — a bad token is logged and
// retried every 5 s without end, as the real agent does (its unit never becomes ready) — then its
// certificates: /v1-k3s/client-ca.crt, /v1-k3s/client-kubelet.crt and /v1-k3s/serving-kubelet.crt
// (node name and IP in the k3s-Node-Name / k3s-Node-IP headers), written to <data-dir>/agent/ with
// k3s's names. Then the REAL containerd and kubelet (node.mjs) against the same URL. (k3s's agent
// puts a client-side load balancer on 127.0.0.1:6444 in between; the launcher has none.)
import { request, sleep } from './lib/https-json.mjs';
import { readFile, writeFile } from './lib/paths.mjs';
import { k3sLog } from './lib/log.mjs';
import { fetchCACerts } from './bootstrap.mjs';
import { startNode } from './node.mjs';
import { stopChildren } from './processes.mjs';
import { parseToken } from './token.mjs';
import { defaultNodeIP, defaultNodeName, k3sVersion, setStatus } from './common.mjs';

const fatal = (msg) => Object.assign(new Error(msg), { fatal: true });

/** Validate the token and fetch the CA; resolves the CA bundle once the server accepts the token. */
async function validate(server, token) {
  for (;;) {
    try {
      const ca = await fetchCACerts(server, token);
      const url = new URL('/v1-k3s/config', server).href;
      const res = await request(url, { tls: { ca }, auth: { basic: `node:${token.password}` } });
      if (res.status === 200) return ca;
      throw new Error(
        `token is not valid: ${url}: ${res.status} ${res.status === 401 ? 'Unauthorized' : res.body.trim()}`,
      );
    } catch (e) {
      const msg = `Failed to validate connection to cluster at ${server}: ${e.message}`;
      k3sLog.error(msg);
      setStatus('agent', `starting: ${msg}`);
      await sleep(Number(process.env.K3S_STANDIN_RETRY_SECONDS ?? 5) * 1000);
    }
  }
}

/** GET a supervisor file as this node; throws with the status on anything but 200. */
async function supervisorGet(server, ca, token, path, node) {
  const res = await request(new URL(path, server).href, {
    tls: { ca },
    auth: { basic: `node:${token.password}` },
    headers: { 'k3s-Node-Name': node.name, 'k3s-Node-IP': node.ip, Accept: '*/*' },
    timeoutMs: 30_000,
  });
  if (res.status !== 200) throw fatal(`${path}: ${res.status} ${res.body.trim()}`);
  return res.body;
}

/** "cert, CA, key" PEM bundle as k3s's cert handlers send it → { cert (leaf + CA), key }. */
function splitBundle(pem) {
  const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----\n?/.exec(pem)?.[0];
  if (!key) throw fatal('certificate bundle without a private key');
  return { cert: pem.replace(key, ''), key };
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
  k3sLog.info(`Starting k3s agent ${version} (test stand-in launcher: real containerd and kubelet)`);
  const token = parseToken(tokenText);
  const ca = await validate(f.server, token);

  const node = { name: nodeName, ip: nodeIP };
  const clientCA = await supervisorGet(f.server, ca, token, '/v1-k3s/client-ca.crt', node);
  const client = splitBundle(await supervisorGet(f.server, ca, token, '/v1-k3s/client-kubelet.crt', node));
  const serving = splitBundle(await supervisorGet(f.server, ca, token, '/v1-k3s/serving-kubelet.crt', node));
  writeFile(`${dataDir}/agent/server-ca.crt`, ca, 0o644);
  writeFile(`${dataDir}/agent/client-ca.crt`, clientCA, 0o644);
  writeFile(`${dataDir}/agent/client-kubelet.crt`, client.cert, 0o644);
  writeFile(`${dataDir}/agent/client-kubelet.key`, client.key);
  writeFile(`${dataDir}/agent/serving-kubelet.crt`, serving.cert, 0o644);
  writeFile(`${dataDir}/agent/serving-kubelet.key`, serving.key);

  await startNode({
    f,
    command: 'agent',
    dataDir,
    nodeName,
    nodeIP,
    server: f.server,
    ca,
    clientCert: client.cert,
    clientKey: client.key,
    clientCA: `${dataDir}/agent/client-ca.crt`,
    servingCert: `${dataDir}/agent/serving-kubelet.crt`,
    servingKey: `${dataDir}/agent/serving-kubelet.key`,
  });
  setStatus('agent', 'ready');
  k3sLog.info('k3s agent is up and running');
  const stop = async () => {
    await stopChildren();
    process.exit(0);
  };
  for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, stop);
}
