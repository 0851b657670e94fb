// TEST STAND-IN support (not shipped): `kubeadm join ENDPOINT --token T
// --discovery-token-ca-cert-hash sha256:H [--control-plane [--certificate-key K]]
// [--node-name N] [--apiserver-advertise-address IP] [--config FILE]`.
// Discovery goes through ENDPOINT (the load balancer in HA setups) and trusts it only via the
// token's JWS and the pinned CA hash (discovery.mjs). Workers then get their kubelet certificate
// signed with the bootstrap token and start the kubelet stand-in. Control planes first download
// the shared certificates with the certificate key (or use ones copied in advance), issue their
// own, add themselves to stacked etcd (REAL etcd, member add) or use the external etcd, start
// the kube-apiserver stand-in, and get the control-plane label and taint.
import { hostPath, writeFile } from '../kube-api/paths.mjs';
import { newKey, newCSR } from '../kube-api/pki.mjs';
import { parse } from '../kube-api/yaml-lite.mjs';
import { addMember, memberURLs } from '../kube-api/etcd-embedded.mjs';
import { extraArgs, loadConfig } from './config.mjs';
import { discover } from './discovery.mjs';
import { ApiClient, apiError, kubeconfigClient } from './client.mjs';
import { downloadCerts } from './tokens.mjs';
import { generateNodeCerts, missingShared, writeSharedFiles } from './certs.mjs';
import { startLocalEtcd, apiserverArgs, startApiServer } from './controlplane.mjs';
import { joinChecks, runChecks } from './preflight.mjs';
import { nodeFacts } from './init.mjs';
import { CP_LABEL, createMirrorPods, markControlPlane, startNodeKubelet, waitForNode, writeControlPlaneKubeconfigs } from './node.mjs';
import { CONTROL_PLANE_JOINED, WORKER_JOINED } from './messages.mjs';

const say = (m) => process.stdout.write(`${m}\n`);
const phaseError = (phase, e) => Object.assign(e, { phase });

function joinSettings(flags, positional, cfg) {
  const j = cfg.join;
  const s = {
    endpoint: positional[0] ?? j.apiServerEndpoint,
    token: flags['discovery-token'] ?? flags.token ?? j.token,
    tlsToken: flags['tls-bootstrap-token'] ?? flags.token ?? j.tlsBootstrapToken,
    caCertHashes: flags['discovery-token-ca-cert-hash'] ?? j.caCertHashes,
    unsafe: Boolean(flags['discovery-token-unsafe-skip-ca-verification']) || j.unsafeSkipCAVerification,
    controlPlane: j.controlPlane, certificateKey: j.certificateKey, timeoutMs: j.timeoutMs,
  };
  if (!s.endpoint || !s.token) throw new Error('discovery: Invalid value: "": bootstrapToken or file must be set');
  if (!s.caCertHashes.length && !s.unsafe) {
    throw new Error('discovery.bootstrapToken: Invalid value: "": using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue');
  }
  return s;
}

/** Control-plane part: certificates, etcd membership, kube-apiserver. Returns the etcd client URL (stacked). */
async function prepareControlPlane(s, bootstrap, node, ca) {
  say('[preflight] Running pre-flight checks before initializing the new control plane instance');
  const cm = await bootstrap.get('/api/v1/namespaces/kube-system/configmaps/kubeadm-config');
  if (!cm) throw new Error('unable to fetch the kubeadm-config ConfigMap: configmaps "kubeadm-config" not found');
  const doc = parse(cm.data.ClusterConfiguration);
  const cluster = loadConfig({}, 'init').cluster;
  Object.assign(cluster, { ...doc, certSANs: doc.apiServer?.certSANs ?? [], apiServerExtraArgs: extraArgs(doc.apiServer?.extraArgs),
    serviceSubnet: doc.networking?.serviceSubnet ?? cluster.serviceSubnet, dnsDomain: doc.networking?.dnsDomain ?? cluster.dnsDomain });
  if (!cluster.controlPlaneEndpoint) {
    throw phaseError('preflight', new Error('\nOne or more conditions for hosting a new control plane instance is not satisfied.\n\nunable to add a new control plane instance to a cluster that doesn\'t have a stable controlPlaneEndpoint address\n\nPlease ensure that:\n* The cluster has a stable controlPlaneEndpoint address.\n* The certificates that must be shared among control plane instances are provided.\n'));
  }
  const pki = cluster.certificatesDir;
  if (s.certificateKey) {
    say('[download-certs] Downloading the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace');
    try {
      writeSharedFiles(pki, cluster, await downloadCerts(bootstrap, s.certificateKey));
    } catch (e) { throw phaseError('control-plane-prepare/download-certs', e); }
  } else {
    const missing = missingShared(pki, cluster);
    if (missing.length) {
      throw phaseError('preflight', new Error(`\nOne or more conditions for hosting a new control plane instance is not satisfied.\n\n[${missing.map((f) => `failure loading certificate for ${f}: couldn't load the file ${pki}/${f}: open ${pki}/${f}: no such file or directory`).join(', ')}]\n\nPlease ensure that:\n* The cluster has a stable controlPlaneEndpoint address.\n* The certificates that must be shared among control plane instances are provided.\n`));
    }
  }
  generateNodeCerts(pki, { nodeName: node.name, advertiseAddress: node.advertiseAddress, cluster });
  writeControlPlaneKubeconfigs(pki, { endpointURL: `https://${cluster.controlPlaneEndpoint}`, localURL: `https://${node.advertiseAddress}:${node.bindPort}`, ca });
  if (cluster.etcd?.local) {
    const pods = await kubeconfigClient().get('/api/v1/namespaces/kube-system/pods?labelSelector=component%3Detcd');
    const endpoints = pods.items.map((p) => p.metadata.annotations?.['kubeadm.kubernetes.io/etcd.advertise-client-urls']).filter(Boolean);
    say(`[etcd] Announced new etcd member joining to the existing etcd cluster`);
    const tls = { caFile: hostPath(`${pki}/etcd/ca.crt`), certFile: hostPath(`${pki}/apiserver-etcd-client.crt`), keyFile: hostPath(`${pki}/apiserver-etcd-client.key`) };
    const initialCluster = await addMember(endpoints.join(','), tls, node.name, memberURLs(node.advertiseAddress).peerURL);
    say('[etcd] Creating static Pod manifest for "etcd"');
    node.etcdClientURL = await startLocalEtcd({ nodeName: node.name, ip: node.advertiseAddress, pki, dataDir: cluster.etcd.local.dataDir ?? '/var/lib/etcd', initialCluster });
  }
  await startApiServer(apiserverArgs({ cluster, node, pki, version: cluster.kubernetesVersion }),
    { url: `https://${node.advertiseAddress}:${node.bindPort}`, ca });
  return Boolean(cluster.etcd?.local);
}

export async function join(flags, positional) {
  const cfg = loadConfig(flags, 'join');
  const s = joinSettings(flags, positional, cfg);
  const { node } = nodeFacts(cfg);
  await runChecks(joinChecks({ controlPlane: s.controlPlane }), node.ignorePreflightErrors);
  let found;
  try {
    found = await discover(s.endpoint, { token: s.token, caCertHashes: s.caCertHashes, unsafeSkipCAVerification: s.unsafe, timeoutMs: s.timeoutMs });
  } catch (e) {
    throw phaseError('preflight', new Error(`couldn't validate the identity of the API Server: ${e.message}`));
  }
  const bootstrap = new ApiClient(found.server, { ca: found.ca, token: s.tlsToken });
  const nodeName = node.name;
  const existing = await bootstrap.get(`/api/v1/nodes/${nodeName}`).catch((e) => { throw phaseError('kubelet-start', e); });
  if (existing?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
    throw phaseError('kubelet-start', new Error(`a Node with name "${nodeName}" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node`));
  }
  let stacked = false;
  if (s.controlPlane) stacked = await prepareControlPlane(s, bootstrap, node, found.ca);
  const key = newKey();
  const signed = await bootstrap.call('POST', '/standin/v1/sign', { csr: newCSR(key, { cn: `system:node:${nodeName}`, o: ['system:nodes'] }), usage: 'client' });
  if (signed.status !== 201) throw phaseError('kubelet-start', apiError(signed));
  if (!s.controlPlane) writeFile('/etc/kubernetes/pki/ca.crt', found.ca, 0o644);
  // As kubeadm: the cluster's KubeletConfiguration comes from the kubelet-config ConfigMap.
  const kcm = await bootstrap.get('/api/v1/namespaces/kube-system/configmaps/kubelet-config').catch((e) => { throw phaseError('kubelet-start', e); });
  if (!kcm?.data?.kubelet) throw phaseError('kubelet-start', new Error('configmaps "kubelet-config" not found'));
  const { apiVersion: _a, kind: _k, ...kubeletConfig } = parse(kcm.data.kubelet);
  startNodeKubelet({ server: found.server, ca: found.ca, cert: signed.json.cert, key, nodeName, nodeIP: node.advertiseAddress,
    taints: s.controlPlane ? node.taints ?? [{ key: CP_LABEL, effect: 'NoSchedule' }] : node.taints ?? [], extraArgs: node.kubeletExtraArgs,
    kubeletConfig });
  say('[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap');
  const registered = await waitForNode(bootstrap, nodeName);
  if (s.controlPlane) {
    const admin = kubeconfigClient();
    await markControlPlane(admin, nodeName);
    await createMirrorPods(admin, { node: registered, etcdClientURL: node.etcdClientURL, advertise: `${node.advertiseAddress}:${node.bindPort}` });
    writeFile('/var/lib/kubeadm-standin/role', 'control-plane\n', 0o644);
    say(CONTROL_PLANE_JOINED(stacked));
  } else {
    writeFile('/var/lib/kubeadm-standin/role', 'worker\n', 0o644);
    say(WORKER_JOINED);
  }
}
