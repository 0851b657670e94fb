// TEST STAND-IN support (not shipped): `k3s server`. Honours --token/--token-file/K3S_TOKEN,
// --agent-token, --server (join), --cluster-init, --datastore-* (see datastore.mjs), --tls-san,
// --node-ip, --node-name, --advertise-address, --bind-address, --https-listen-port,
// --write-kubeconfig(-mode), --node-label, --node-taint, --disable-agent, --data-dir. It writes
// what k3s writes — <data-dir>/server/token (K10<ca hash>::server:<password>), node-token,
// server/tls/*.crt|key, /etc/rancher/k3s/k3s.yaml (server https://127.0.0.1:<port>, context
// "default", admin client cert) — serves the API and supervisor on :6443, and registers itself as
// a control-plane node (roles control-plane,master[,etcd]) through its in-process kubelet.
import { startApiServer } from '../kube-api/server.mjs';
import { issue } from '../kube-api/pki.mjs';
import { writeFile, readFile } from '../kube-api/paths.mjs';
import { writeKubeconfig } from '../kube-api/kubeconfig.mjs';
import { runKubelet } from '../kube-api/kubelet.mjs';
import { newNode } from '../kube-api/objects.mjs';
import { k3sLog } from '../kube-api/log.mjs';
import { openDatastore } from './datastore.mjs';
import { writeBootstrap } from './bootstrap.mjs';
import { makeSupervisor } from './supervisor.mjs';
import { formatToken, parseToken, randomPassword, caHashOf } from './token.mjs';
import { defaultNodeIP, defaultNodeName, k3sVersion, labelsAndTaints, setStatus } from './common.mjs';
import { kubeletArg } from './flags.mjs';

const fatal = (msg) => Object.assign(new Error(msg), { fatal: true });

function servingSANs(f, nodeName, ips) {
  return ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local',
    'localhost', '127.0.0.1', '::1', '10.43.0.1', nodeName, ...ips, ...(f['tls-san'] ?? [])];
}

export async function runServer(f) {
  const version = k3sVersion();
  const dataDir = f['data-dir'] ?? '/var/lib/rancher/k3s';
  const tlsDir = `${dataDir}/server/tls`;
  const nodeName = (f['node-name'] ?? defaultNodeName()).toLowerCase();
  const nodeIPs = f['node-ip']?.length ? f['node-ip'] : [defaultNodeIP()];
  const advertise = f['advertise-address'] ?? nodeIPs[0];
  const port = Number(f['https-listen-port'] ?? 6443);
  const bind = f['bind-address'] ?? '0.0.0.0';
  const tokenText = f.token ?? (f['token-file'] ? readFile(f['token-file']).trim() : '');
  const agentText = f['agent-token'] ?? (f['agent-token-file'] ? readFile(f['agent-token-file']).trim() : '');
  setStatus('server', 'starting');
  k3sLog.info(`Starting k3s ${version} (test stand-in)`);
  if (f.server && !tokenText) throw fatal('starting kubernetes: preparing server: token is required to join a cluster');
  if (f['cluster-init'] && f['datastore-endpoint']) throw fatal('invalid flag use; --cluster-init is not compatible with --datastore-endpoint');

  const token = parseToken(tokenText);
  const ds = await openDatastore({ f, dataDir, tlsDir, token, nodeName, nodeIP: nodeIPs[0],
    newPassword: randomPassword, writeBootstrap: (b) => writeBootstrap(tlsDir, b) });
  const b = ds.bootstrap;
  if (token.caHash && token.caHash !== caHashOf(b.serverCA.cert)) {
    throw fatal(`starting kubernetes: preparing server: token CA hash does not match the Cluster CA certificate hash: ${token.caHash} != ${caHashOf(b.serverCA.cert)}`);
  }
  writeBootstrap(tlsDir, b);
  const fullToken = formatToken(b.serverCA.cert, 'server', ds.password);
  writeFile(`${dataDir}/server/token`, `${fullToken}\n`, 0o600);
  writeFile(`${dataDir}/server/node-token`, `${fullToken}\n`, 0o600);
  const agentToken = agentText ? parseToken(agentText).password : undefined;
  if (agentToken) writeFile(`${dataDir}/server/agent-token`, `${formatToken(b.serverCA.cert, 'node', agentToken)}\n`, 0o600);

  const serving = issue(b.serverCA, { cn: 'k3s', o: ['k3s'] }, { sans: servingSANs(f, nodeName, [...nodeIPs, advertise]), usage: 'server' });
  writeFile(`${tlsDir}/serving-kube-apiserver.crt`, serving.cert, 0o644);
  writeFile(`${tlsDir}/serving-kube-apiserver.key`, serving.key);
  const admin = issue(b.clientCA, { cn: 'system:admin', o: ['system:masters'] }, { usage: 'client' });
  writeFile(`${tlsDir}/client-admin.crt`, admin.cert, 0o644);
  writeFile(`${tlsDir}/client-admin.key`, admin.key);

  const supervisor = makeSupervisor({ bootstrap: b, serverPassword: ds.password, agentPassword: agentToken, version,
    etcdMembers: ds.etcd?.members });
  let api;
  try {
    api = await startApiServer({ bindAddress: bind, port, advertiseAddress: advertise, cert: serving.cert, key: serving.key,
      clientCA: b.clientCA.cert, signer: b.clientCA, store: ds.store, gitVersion: version,
      tokenAuthenticators: [supervisor.tokenAuthenticator], extraRoutes: supervisor.routes });
  } catch (e) {
    ds.etcd?.child.kill('SIGKILL');
    throw fatal(`starting kubernetes: preparing server: ${e.message}`);
  }
  const localHost = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  const localURL = `https://${localHost}:${port}`;
  const kcMode = parseInt(f['write-kubeconfig-mode'] ?? '600', 8);
  const kcPath = f['write-kubeconfig'] ?? '/etc/rancher/k3s/k3s.yaml';
  writeKubeconfig(kcPath, { server: localURL, ca: b.serverCA.cert, cert: admin.cert, key: admin.key }, kcMode);
  k3sLog.info(`Wrote kubeconfig ${kcPath}`);

  let kubelet;
  if (!f['disable-agent']) {
    const kc = issue(b.clientCA, { cn: `system:node:${nodeName}`, o: ['system:nodes'] }, { usage: 'client' });
    const { labels, taints } = labelsAndTaints(f);
    const roles = ['control-plane', 'master', ...(ds.etcd ? ['etcd'] : [])];
    const node = newNode({ name: nodeName, ip: nodeIPs[0], version, roles, roleValue: 'true', labels, taints,
      runtime: 'containerd://1.7.26-k3s1', providerID: kubeletArg(f, 'provider-id') ?? `k3s://${nodeName}`, instanceType: 'k3s' });
    node.metadata.annotations['k3s.io/node-args'] = JSON.stringify(['server']);
    node.metadata.annotations['k3s.io/internal-ip'] = nodeIPs[0];
    node.metadata.annotations['k3s.io/hostname'] = nodeName;
    kubelet = await runKubelet({ server: localURL, tls: { ca: b.serverCA.cert, cert: kc.cert, key: kc.key }, node,
      log: (m) => k3sLog.info(m) });
  }
  setStatus('server', 'ready');
  k3sLog.info('k3s is up and running');
  const stop = async () => {
    await kubelet?.stop();
    await api.close();
    ds.etcd?.child.kill('SIGTERM');
    process.exit(0);
  };
  for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, stop);
  return { stop };
}
