// TEST STAND-IN support (not shipped): `kubeadm init [--config FILE] [--upload-certs]
// [--certificate-key K] [--control-plane-endpoint ...] [--token T] [--token-ttl D] ...`.
// Runs kubeadm's phases with their log lines: preflight, certs, kubeconfig, etcd (stacked: a REAL
// etcd; external: the configured endpoints and TLS files), control-plane (the kube-apiserver
// stand-in, detached) and kubelet, waits for a healthy API server, uploads kubeadm-config, the
// certificates (--upload-certs), marks the control plane, creates the bootstrap token and
// kube-public/cluster-info, then prints the join commands as kubeadm does.
// KUBEADM_STANDIN_APISERVER_BIND_ADDRESS (tests only) sets kube-apiserver's --bind-address so
// several control planes can share one machine.
import { defaultIP, defaultNodeName } from '../kube-api/host.mjs';
import { readFile, writeFile } from '../kube-api/paths.mjs';
import { caCertHash } from '../kube-api/pki.mjs';
import { stringify } from '../kube-api/yaml-lite.mjs';
import { kubeadmVersion, loadConfig } from './config.mjs';
import { generateShared, generateNodeCerts, sharedFiles, clientCert } from './certs.mjs';
import { startLocalEtcd, apiserverArgs, startApiServer } from './controlplane.mjs';
import { kubeconfigClient } from './client.mjs';
import { createToken, generateToken, generateCertificateKey, uploadCerts } from './tokens.mjs';
import { initChecks, runChecks } from './preflight.mjs';
import { CP_LABEL, createMirrorPods, kubeletConfigDoc, markControlPlane, printJoinCommand, startNodeKubelet, waitForNode, writeControlPlaneKubeconfigs } from './node.mjs';
import { finalMessage } from './messages.mjs';

const say = (m) => process.stdout.write(`${m}\n`);
const minor = (v) => Number(/^v?\d+\.(\d+)/.exec(v)?.[1] ?? NaN);

export function checkVersion(kv) {
  const kubeadm = kubeadmVersion();
  if (!(minor(kv) >= minor(kubeadm) - 1)) {
    throw new Error(`this version of kubeadm only supports deploying clusters with the control plane version >= 1.${minor(kubeadm) - 1}.0. Current version: ${kv}`);
  }
}

/** Settle node name, advertise address and the API URLs every later step uses. */
export function nodeFacts(cfg) {
  const node = { ...cfg.node, name: cfg.node.name || defaultNodeName(), advertiseAddress: cfg.node.advertiseAddress || defaultIP() };
  const endpoint = cfg.cluster.controlPlaneEndpoint || `${node.advertiseAddress}:${node.bindPort}`;
  const bind = process.env.KUBEADM_STANDIN_APISERVER_BIND_ADDRESS;
  return { node, endpoint, endpointURL: `https://${endpoint}`, localURL: `https://${node.advertiseAddress}:${node.bindPort}`, bindHost: bind ?? '0.0.0.0' };
}

export async function init(flags) {
  const cfg = loadConfig(flags, 'init');
  const { cluster } = cfg;
  checkVersion(cluster.kubernetesVersion);
  say(`[init] Using Kubernetes version: ${cluster.kubernetesVersion}`);
  const { node, endpoint, endpointURL, localURL, bindHost } = nodeFacts(cfg);
  const pki = cluster.certificatesDir;
  await runChecks(initChecks({ stacked: Boolean(cluster.etcd.local), etcdDataDir: cluster.etcd.local?.dataDir, bindHost, port: node.bindPort }),
    node.ignorePreflightErrors);

  generateShared(pki, Boolean(cluster.etcd.local));
  generateNodeCerts(pki, { nodeName: node.name, advertiseAddress: node.advertiseAddress, cluster });
  const ca = readFile(`${pki}/ca.crt`);
  writeControlPlaneKubeconfigs(pki, { endpointURL, localURL, ca });

  if (cluster.etcd.local) {
    say(`[etcd] Creating static Pod manifest for local etcd in "/etc/kubernetes/manifests"`);
    node.etcdClientURL = await startLocalEtcd({ nodeName: node.name, ip: node.advertiseAddress, pki, dataDir: cluster.etcd.local.dataDir });
  }
  say('[control-plane] Using manifest folder "/etc/kubernetes/manifests"');
  const kubelet = clientCert(pki, `system:node:${node.name}`, ['system:nodes']);
  startNodeKubelet({ server: endpointURL, ca, cert: kubelet.cert, key: kubelet.key, nodeName: node.name, nodeIP: node.advertiseAddress,
    taints: node.taints ?? [{ key: CP_LABEL, effect: 'NoSchedule' }], extraArgs: node.kubeletExtraArgs, kubeletConfig: cfg.kubelet });
  say('[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests"');
  await startApiServer(apiserverArgs({ cluster, node, pki, version: cluster.kubernetesVersion }), { url: localURL, ca });

  const client = kubeconfigClient('/etc/kubernetes/admin.conf');
  say('[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace');
  await client.apply('/api/v1/namespaces/kube-system/configmaps', { apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'kubeadm-config', namespace: 'kube-system' },
    data: { ClusterConfiguration: stringify({ apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'ClusterConfiguration', ...clusterDoc(cluster) }) } });
  say('[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the configuration for the kubelets in the cluster');
  await client.apply('/api/v1/namespaces/kube-system/configmaps', { apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'kubelet-config', namespace: 'kube-system' }, data: { kubelet: stringify(kubeletConfigDoc(cfg.kubelet)) } });
  let certificateKey;
  if (flags['upload-certs']) {
    certificateKey = cfg.init.certificateKey || generateCertificateKey();
    say('[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace');
    await uploadCerts(client, certificateKey, sharedFiles(pki, cluster));
    if (!flags['skip-certificate-key-print']) say(`[upload-certs] Using certificate key:\n${certificateKey}`);
  }
  const registered = await waitForNode(client, node.name);
  await markControlPlane(client, node.name);
  const tokens = [];
  for (const bt of cfg.init.bootstrapTokens) {
    const token = bt.token || generateToken();
    say(`[bootstrap-token] Using token: ${token}`);
    await createToken(client, token, { ttl: bt.ttl, usages: bt.usages, groups: bt.groups, description: bt.description });
    tokens.push(token);
  }
  say('[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles');
  say('[bootstrap-token] Creating the "cluster-info" ConfigMap in the "kube-public" namespace');
  await client.apply('/api/v1/namespaces/kube-public/configmaps', { apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig: clusterInfoKubeconfig(endpointURL, ca) } });
  await createMirrorPods(client, { node: registered, etcdClientURL: node.etcdClientURL, advertise: `${node.advertiseAddress}:${node.bindPort}` });
  writeFile('/var/lib/kubeadm-standin/role', 'control-plane\n', 0o644);
  say('[addons] Applied essential addon: CoreDNS');
  say('[addons] Applied essential addon: kube-proxy\n');
  const hash = caCertHash(ca);
  // --skip-token-print / --skip-certificate-key-print: kubeadm prints "<value withheld>" instead.
  const token = flags['skip-token-print'] ? '<value withheld>' : tokens[0];
  const key = certificateKey && flags['skip-certificate-key-print'] ? '<value withheld>' : certificateKey;
  say(finalMessage({ controlPlaneEndpoint: cluster.controlPlaneEndpoint, join: (k) => printJoinCommand(endpoint, token, hash, k, '  '),
    workerJoin: printJoinCommand(endpoint, token, hash), certificateKey: key }));
}

export function clusterDoc(cluster) {
  const etcd = cluster.etcd.external ? { external: cluster.etcd.external } : { local: cluster.etcd.local };
  return { clusterName: cluster.clusterName, kubernetesVersion: cluster.kubernetesVersion, controlPlaneEndpoint: cluster.controlPlaneEndpoint,
    certificatesDir: cluster.certificatesDir, etcd, networking: { dnsDomain: cluster.dnsDomain, serviceSubnet: cluster.serviceSubnet,
      ...(cluster.podSubnet ? { podSubnet: cluster.podSubnet } : {}) },
    apiServer: { certSANs: cluster.certSANs, extraArgs: cluster.apiServerExtraArgs.map((a) => {
      const [name, ...v] = a.replace(/^--/, '').split('=');
      return { name, value: v.join('=') };
    }) } };
}

function clusterInfoKubeconfig(server, ca) {
  return stringify({ apiVersion: 'v1', clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(ca).toString('base64'), server }, name: '' }],
    contexts: null, 'current-context': '', kind: 'Config', preferences: {}, users: null });
}
