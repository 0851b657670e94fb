// TEST STAND-IN support (not shipped): the per-node steps `kubeadm init` and `kubeadm join`
// share — kubeconfig files with kubeadm's names and identities, the kubelet's files and process,
// waiting for the Node to register, marking a control plane (labels + taint), and the mirror Pods
// the kubelet would create for static Pods (kubeadm finds etcd members through their
// kubeadm.kubernetes.io/etcd.advertise-client-urls annotation, so joining works as in kubeadm).
import { writeKubeconfig } from '../kube-api/kubeconfig.mjs';
import { writeFile } from '../kube-api/paths.mjs';
import { sleep } from '../kube-api/https-json.mjs';
import { stringify } from '../kube-api/yaml-lite.mjs';
import { clientCert } from './certs.mjs';
import { startKubelet } from './controlplane.mjs';

export const CP_LABEL = 'node-role.kubernetes.io/control-plane';
const say = (m) => process.stdout.write(`${m}\n`);

/** admin.conf, super-admin.conf, controller-manager.conf, scheduler.conf of a control plane. */
export function writeControlPlaneKubeconfigs(pki, { endpointURL, localURL, ca }) {
  const files = [['admin.conf', 'kubernetes-admin', ['kubeadm:cluster-admins'], endpointURL],
    ['super-admin.conf', 'kubernetes-super-admin', ['system:masters'], endpointURL],
    ['controller-manager.conf', 'system:kube-controller-manager', [], localURL],
    ['scheduler.conf', 'system:kube-scheduler', [], localURL]];
  for (const [file, user, groups, server] of files) {
    say(`[kubeconfig] Writing "${file}" kubeconfig file`);
    const c = clientCert(pki, user, groups);
    writeKubeconfig(`/etc/kubernetes/${file}`, { server, ca, cert: c.cert, key: c.key, cluster: 'kubernetes', user,
      context: `${user}@kubernetes` });
  }
}

/**
 * The KubeletConfiguration kubeadm writes for every node: its defaults under the cluster's own
 * (the init config's KubeletConfiguration, shared through the kubelet-config ConfigMap).
 */
export function kubeletConfigDoc(kubeletConfig = {}) {
  return { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', cgroupDriver: 'systemd', clusterDNS: ['10.96.0.10'],
    clusterDomain: 'cluster.local', ...kubeletConfig };
}

/** kubelet.conf + /var/lib/kubelet files, then start the kubelet stand-in. */
export function startNodeKubelet({ server, ca, cert, key, nodeName, nodeIP, taints = [], extraArgs = [], kubeletConfig = {} }) {
  writeKubeconfig('/etc/kubernetes/kubelet.conf', { server, ca, cert, key, cluster: 'kubernetes', user: `system:node:${nodeName}`,
    context: `system:node:${nodeName}@kubernetes` });
  writeFile('/var/lib/kubelet/config.yaml', stringify(kubeletConfigDoc(kubeletConfig)), 0o644);
  // The kubelet's version is the installed kubelet's (install-packages.sh), else kubeadm's.
  const args = [`--kubeconfig=/etc/kubernetes/kubelet.conf`, '--config=/var/lib/kubelet/config.yaml', `--hostname-override=${nodeName}`, `--node-ip=${nodeIP}`];
  if (taints.length) args.push(`--register-with-taints=${taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(',')}`);
  // As kubeadm: everything but the kubeconfig and --config (the unit's drop-in adds them), nodeRegistration.kubeletExtraArgs included.
  writeFile('/var/lib/kubelet/kubeadm-flags.env', `KUBELET_KUBEADM_ARGS="${[...args.slice(2), ...extraArgs].join(' ')}"\n`, 0o644);
  say('[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"');
  say('[kubelet-start] Starting the kubelet');
  startKubelet([...args, ...extraArgs]);
}

/** Wait until the kubelet registered the Node (kubeadm waits for the TLS bootstrap likewise). */
export async function waitForNode(client, nodeName, timeoutMs = 120000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const n = await client.get(`/api/v1/nodes/${nodeName}`);
      if (n) return n;
    } catch { /* API briefly unavailable */ }
    await sleep(300);
  }
  throw new Error(`timed out waiting for the condition: Node "${nodeName}" was not registered by the kubelet`);
}

export async function markControlPlane(client, nodeName) {
  say(`[mark-control-plane] Marking the node ${nodeName} as control-plane by adding the labels: [${CP_LABEL} node.kubernetes.io/exclude-from-external-load-balancers]`);
  say(`[mark-control-plane] Marking the node ${nodeName} as control-plane by adding the taints [${CP_LABEL}:NoSchedule]`);
  await client.patch(`/api/v1/nodes/${nodeName}`, { metadata: { labels: { [CP_LABEL]: '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } } });
}

/** Mirror Pods for this control plane's static Pods. */
export async function createMirrorPods(client, { node, etcdClientURL, advertise }) {
  const comps = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', ...(etcdClientURL ? ['etcd'] : [])];
  for (const c of comps) {
    const annotations = { 'kubernetes.io/config.mirror': 'standin', 'kubernetes.io/config.source': 'file' };
    if (c === 'etcd') annotations['kubeadm.kubernetes.io/etcd.advertise-client-urls'] = etcdClientURL;
    if (c === 'kube-apiserver') annotations['kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint'] = advertise;
    await client.apply('/api/v1/namespaces/kube-system/pods', {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `${c}-${node.metadata.name}`, namespace: 'kube-system', labels: { component: c, tier: 'control-plane' }, annotations,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid, controller: true }] },
      spec: { nodeName: node.metadata.name, hostNetwork: true, priorityClassName: 'system-node-critical',
        containers: [{ name: c, image: `registry.k8s.io/${c}:standin` }] },
      status: { phase: 'Running', podIP: advertise.split(':')[0], conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: c, ready: true, restartCount: 0, started: true }] },
    });
  }
}

export function printJoinCommand(endpoint, token, hash, certificateKey, indent = '') {
  const cp = certificateKey ? ` \\\n\t--control-plane --certificate-key ${certificateKey}` : '';
  return `${indent}kubeadm join ${endpoint} --token ${token} \\\n\t--discovery-token-ca-cert-hash ${hash}${cp}\n`;
}
