// TEST STAND-IN support (not shipped): `k3s server` as a launcher of the REAL Kubernetes components.
// Honours --token/--token-file/K3S_TOKEN, --agent-token, --server (join), --cluster-init,
// --datastore-* (see datastore.mjs), --tls-san, --node-ip, --node-name, --advertise-address,
// --bind-address, --https-listen-port, --write-kubeconfig(-mode), --node-label, --node-taint,
// --kubelet-arg, --kube-apiserver-arg, --kube-controller-manager-arg, --kube-scheduler-arg,
// --disable-agent, --disable-scheduler, --disable-controller-manager, --data-dir. It does k3s's
// packaging work — <data-dir>/server/token (K10<ca hash>::server:<password>), node-token,
// server/tls/* and server/cred/* (certs.mjs), /etc/rancher/k3s/k3s.yaml (server
// https://127.0.0.1:<port>, context "default", system:admin) — and runs the real kube-apiserver on
// 127.0.0.1:<port + 1>, controller-manager and scheduler (control-plane.mjs), the supervisor on
// <port> in front of them (supervisor.mjs), and unless --disable-agent containerd and the kubelet
// (node.mjs). Like k3s's node controller it labels its Node control-plane, master (and etcd).
import { issue } from './lib/pki.mjs';
import { writeFile, readFile } from './lib/paths.mjs';
import { writeKubeconfig } from './lib/kubeconfig.mjs';
import { request } from './lib/https-json.mjs';
import { k3sLog } from './lib/log.mjs';
import { openDatastore } from './datastore.mjs';
import { writeBootstrap } from './bootstrap.mjs';
import { writeServerCerts } from './certs.mjs';
import { startControlPlane } from './control-plane.mjs';
import { startNode } from './node.mjs';
import { stopChildren } from './processes.mjs';
import { makeSupervisor } from './supervisor.mjs';
import { formatToken, parseToken, randomPassword, caHashOf } from './token.mjs';
import { defaultNodeIP, defaultNodeName, k3sVersion, setStatus } from './common.mjs';

const fatal = (msg) => Object.assign(new Error(msg), { fatal: true });

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Label the Node as k3s's server node controller does (as the admin: the kubelet may not set node-role labels). */
async function labelServerNode(local, admin, ca, nodeName, etcd) {
  const labels = {
    'node-role.kubernetes.io/control-plane': 'true',
    'node-role.kubernetes.io/master': 'true',
    ...(etcd ? { 'node-role.kubernetes.io/etcd': 'true' } : {}),
  };
  const r = await request(`${local}/api/v1/nodes/${nodeName}`, {
    method: 'PATCH',
    body: { metadata: { labels } },
    headers: { 'Content-Type': 'application/merge-patch+json' },
    tls: { ca, cert: admin.cert, key: admin.key },
  });
  if (r.status !== 200) throw fatal(`labelling node ${nodeName}: ${r.status} ${r.body.slice(0, 200)}`);
}

export async function runServer(f) {
  const version = k3sVersion();
  const dataDir = f['data-dir'] ?? '/var/lib/rancher/k3s';
  const tlsDir = `${dataDir}/server/tls`;
  const nodeName = (f['node-name'] ?? defaultNodeName()).toLowerCase();
  const nodeIPs = f['node-ip']?.length ? f['node-ip'] : [defaultNodeIP()];
  const advertise = f['advertise-address'] ?? nodeIPs[0];
  const port = Number(f['https-listen-port'] ?? 6443);
  const apiPort = port + 1; // k3s: APIServerPort = HTTPSPort + 1
  const bind = f['bind-address'] ?? '0.0.0.0';
  const tokenText = f.token ?? (f['token-file'] ? readFile(f['token-file']).trim() : '');
  const agentText = f['agent-token'] ?? (f['agent-token-file'] ? readFile(f['agent-token-file']).trim() : '');
  if (f['cluster-reset']) {
    const { clusterReset } = await import('./reset.mjs');
    return clusterReset(f, { dataDir, nodeName, nodeIP: nodeIPs[0], tokenText });
  }
  setStatus('server', 'starting');
  k3sLog.info(`Starting k3s ${version} (test stand-in launcher: real Kubernetes components)`);
  if (f.server && !tokenText) throw fatal('starting kubernetes: preparing server: token is required to join a cluster');
  if (f['cluster-init'] && f['datastore-endpoint'])
    throw fatal('invalid flag use; --cluster-init is not compatible with --datastore-endpoint');

  const token = parseToken(tokenText);
  const ds = await openDatastore({
    f,
    dataDir,
    tlsDir,
    token,
    nodeName,
    nodeIP: nodeIPs[0],
    newPassword: randomPassword,
    writeBootstrap: (b) => writeBootstrap(tlsDir, b),
  });
  const b = ds.bootstrap;
  if (token.caHash && token.caHash !== caHashOf(b.serverCA.cert)) {
    throw fatal(
      `starting kubernetes: preparing server: token CA hash does not match the Cluster CA certificate hash: ${token.caHash} != ${caHashOf(b.serverCA.cert)}`,
    );
  }
  writeBootstrap(tlsDir, b);
  const fullToken = formatToken(b.serverCA.cert, 'server', ds.password);
  writeFile(`${dataDir}/server/token`, `${fullToken}\n`, 0o600);
  writeFile(`${dataDir}/server/node-token`, `${fullToken}\n`, 0o600);
  const agentToken = agentText ? parseToken(agentText).password : undefined;
  if (agentToken)
    writeFile(`${dataDir}/server/agent-token`, `${formatToken(b.serverCA.cert, 'node', agentToken)}\n`, 0o600);

  const certs = writeServerCerts(b, {
    dataDir,
    nodeName,
    ips: [...nodeIPs, advertise],
    tlsSans: f['tls-san'] ?? [],
    apiPort,
  });
  const cp = await startControlPlane({
    f,
    dataDir,
    advertise,
    advertisePort: port,
    apiPort,
    serverCAPem: b.serverCA.cert,
    etcd: ds.apiEtcd,
    certs,
  });

  const supervisor = makeSupervisor({
    bootstrap: b,
    serverPassword: ds.password,
    agentPassword: agentToken,
    version,
    apiPort,
    certs,
    etcdMembers: ds.etcd?.members,
    apiservers: () => [`${advertise}:${port}`],
  });
  try {
    await listen(supervisor, port, bind);
  } catch (e) {
    throw fatal(`starting kubernetes: preparing server: ${e.message}`);
  }
  const localHost = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  const localURL = `https://${localHost}:${port}`;
  const kcPath = f['write-kubeconfig'] ?? '/etc/rancher/k3s/k3s.yaml';
  writeKubeconfig(
    kcPath,
    { server: localURL, ca: b.serverCA.cert, cert: certs.admin.cert, key: certs.admin.key },
    parseInt(f['write-kubeconfig-mode'] ?? '600', 8),
  );
  k3sLog.info(`Wrote kubeconfig ${kcPath}`);

  if (!f['disable-agent']) {
    // A server's kubelet gets its certificates straight from the CAs it holds.
    const client = issue(b.clientCA, { cn: `system:node:${nodeName}`, o: ['system:nodes'] }, { usage: 'client' });
    const serving = issue(
      b.serverCA,
      { cn: nodeName },
      { sans: [nodeName, 'localhost', '127.0.0.1', ...nodeIPs], usage: 'server' },
    );
    writeFile(`${dataDir}/agent/client-kubelet.crt`, client.cert, 0o644);
    writeFile(`${dataDir}/agent/client-kubelet.key`, client.key);
    writeFile(`${dataDir}/agent/serving-kubelet.crt`, serving.cert, 0o644);
    writeFile(`${dataDir}/agent/serving-kubelet.key`, serving.key);
    writeFile(`${dataDir}/agent/client-ca.crt`, b.clientCA.cert, 0o644);
    writeFile(`${dataDir}/agent/server-ca.crt`, b.serverCA.cert, 0o644);
    await startNode({
      f,
      command: 'server',
      dataDir,
      nodeName,
      nodeIP: nodeIPs[0],
      server: localURL,
      ca: b.serverCA.cert,
      clientCert: client.cert,
      clientKey: client.key,
      clientCA: `${dataDir}/agent/client-ca.crt`,
      servingCert: `${dataDir}/agent/serving-kubelet.crt`,
      servingKey: `${dataDir}/agent/serving-kubelet.key`,
    });
    await labelServerNode(localURL, certs.admin, b.serverCA.cert, nodeName, Boolean(ds.etcd));
  }
  setStatus('server', 'ready');
  k3sLog.info('k3s is up and running');
  const stop = async () => {
    supervisor.close();
    await stopChildren();
    ds.etcd?.child.kill('SIGTERM');
    process.exit(0);
  };
  for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, stop);
  return { stop, procs: cp.procs };
}
