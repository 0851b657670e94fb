// TEST STAND-IN support (not shipped): the node half of k3s (`k3s agent`, and `k3s server` unless
// --disable-agent): the REAL containerd (2.x, scripts/build-containerd.sh) on k3s's socket
// /run/k3s/containerd/containerd.sock with k3s's directories, and the REAL kubelet (v1.37.2) with the
// configuration k3s gives it (pkg/daemons/agent): webhook authn/z, the client CA, the serving
// certificate from the supervisor, cluster DNS 10.43.0.10, cgroupfs, no read-only port, --node-ip,
// --hostname-override, --node-labels, --register-with-taints, then every --kubelet-arg. Without a
// --kubelet-arg=provider-id the Node gets k3s's k3s://<node name> (k3s's cloud provider sets it).
// Where k3s's flannel writes its CNI config once the node has a pod CIDR, the launcher writes a
// bridge/host-local one for that CIDR: containerd reports the network ready, so the node goes Ready.
// Pods run: runc through the real containerd-shim-runc-v2 (on containerd's PATH, as k3s puts its bin
// dir there), the sandbox image from --pause-image, imported at start with the other archives in
// <data-dir>/agent/images (images.mjs), and Debian's CNI plugins give each pod an address.
import fs from 'node:fs';
import { hostPath, writeFile } from './lib/paths.mjs';
import { request } from './lib/https-json.mjs';
import { kubeconfigText } from './lib/kubeconfig.mjs';
import { containerdBin, containerdDir, kubeBin } from './binaries.mjs';
import { importImages } from './images.mjs';
import { CLUSTER_DNS } from './certs.mjs';
import { startChild, waitFor } from './processes.mjs';

export const CONTAINERD_SOCKET = '/run/k3s/containerd/containerd.sock';
const CNI_CONF_DIR = '/var/lib/rancher/k3s/agent/etc/cni/net.d';
const SNAPSHOTTER = 'native';
// k3s's default is rancher/mirrored-pause (shipped in its air-gap image tarball); the test images
// cache (scripts/build-images.mjs) builds upstream's pause, so the launcher defaults to that name.
const DEFAULT_PAUSE_IMAGE = 'registry.k8s.io/pause:3.10.2';

function containerdConfig(dataDir, pauseImage) {
  return [
    '# written by the k3s TEST STAND-IN launcher (k3s writes this file from its template)',
    'version = 3',
    `root = "${hostPath(`${dataDir}/agent/containerd`)}"`,
    `state = "${hostPath('/run/k3s/containerd')}"`,
    '[grpc]',
    `  address = "${hostPath(CONTAINERD_SOCKET)}"`,
    "[plugins.'io.containerd.cri.v1.images']",
    // overlayfs cannot stack on the test hosts' overlay /var; k3s offers --snapshotter native as well.
    `  snapshotter = "${SNAPSHOTTER}"`,
    "[plugins.'io.containerd.cri.v1.images'.pinned_images]",
    `  sandbox = ${JSON.stringify(pauseImage)}`,
    "[plugins.'io.containerd.cri.v1.runtime']",
    // Test hosts withhold CAP_SYS_RESOURCE: runc cannot lower a sandbox's oom_score_adj (-998), so
    // containerd clamps it to its own, as for rootless runs (test/hosts/README.md, "Kubernetes nodes").
    '  restrict_oom_score_adj = true',
    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]",
    '  runtime_type = "io.containerd.runc.v2"',
    "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]",
    // k3s's default too without systemd; the hosts have none, and the kubelet runs cgroupfs.
    '  SystemdCgroup = false',
    "[plugins.'io.containerd.cri.v1.runtime'.cni]",
    '  bin_dirs = ["/usr/lib/cni"]',
    `  conf_dir = "${hostPath(CNI_CONF_DIR)}"`,
    '',
  ].join('\n');
}

function kubeletConfig(a) {
  return JSON.stringify(
    {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      address: '0.0.0.0',
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true, cacheTTL: '2m0s' },
        x509: { clientCAFile: hostPath(a.clientCA) },
      },
      authorization: { mode: 'Webhook' },
      cgroupDriver: 'cgroupfs',
      clusterDNS: [CLUSTER_DNS],
      clusterDomain: 'cluster.local',
      containerRuntimeEndpoint: `unix://${hostPath(CONTAINERD_SOCKET)}`,
      evictionHard: { 'imagefs.available': '5%', 'nodefs.available': '5%' },
      evictionMinimumReclaim: { 'imagefs.available': '10%', 'nodefs.available': '10%' },
      failSwapOn: false,
      serializeImagePulls: false,
      staticPodPath: hostPath(`${a.dataDir}/agent/pod-manifests`),
      tlsCertFile: hostPath(a.servingCert),
      tlsPrivateKeyFile: hostPath(a.servingKey),
    },
    null,
    2,
  );
}

const hasArg = (f, name) => (f['kubelet-arg'] ?? []).some((a) => String(a).replace(/^--/, '').startsWith(`${name}=`));

/**
 * Start containerd and the kubelet, wait until the Node is registered and write the CNI config for its
 * pod CIDR. a: { f, dataDir, nodeName, nodeIP, server (API URL the kubelet uses), ca, clientCert,
 * clientKey, servingCert/servingKey/clientCA (host paths), command ('server'|'agent') }.
 */
export async function startNode(a) {
  const { f } = a;
  const logDir = `${a.dataDir}/agent/logs`;
  const pauseImage = f['pause-image'] || DEFAULT_PAUSE_IMAGE;
  writeFile(`${a.dataDir}/agent/etc/containerd/config.toml`, containerdConfig(a.dataDir, pauseImage), 0o600);
  const containerd = startChild(
    a.command,
    'containerd',
    containerdBin(),
    ['--config', hostPath(`${a.dataDir}/agent/etc/containerd/config.toml`)],
    // containerd finds containerd-shim-runc-v2 on its PATH, and the shim finds runc (Debian's, /usr/sbin).
    { logDir, env: { PATH: `${containerdDir()}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` } },
  );
  await waitFor('containerd', () => fs.existsSync(hostPath(CONTAINERD_SOCKET)), {
    timeoutMs: 60_000,
    intervalMs: 300,
    watch: [containerd],
  });
  importImages(a.dataDir, hostPath(CONTAINERD_SOCKET), SNAPSHOTTER);

  fs.mkdirSync(hostPath(`${a.dataDir}/agent/pod-manifests`), { recursive: true, mode: 0o700 });
  const kubeconfig = `${a.dataDir}/agent/kubelet.kubeconfig`;
  writeFile(kubeconfig, kubeconfigText({ server: a.server, ca: a.ca, cert: a.clientCert, key: a.clientKey }), 0o600);
  writeFile(`${a.dataDir}/agent/etc/kubelet.conf.d/00-k3s-defaults.conf`, kubeletConfig(a), 0o600);
  const labels = f['node-label'] ?? [];
  const taints = f['node-taint'] ?? [];
  const kubelet = startChild(
    a.command,
    'kubelet',
    kubeBin('kubelet'),
    [
      `--config=${hostPath(`${a.dataDir}/agent/etc/kubelet.conf.d/00-k3s-defaults.conf`)}`,
      `--kubeconfig=${hostPath(kubeconfig)}`,
      `--hostname-override=${a.nodeName}`,
      `--node-ip=${a.nodeIP}`,
      ...(labels.length ? [`--node-labels=${labels.join(',')}`] : []),
      ...(taints.length ? [`--register-with-taints=${taints.join(',')}`] : []),
      ...(hasArg(f, 'provider-id') ? [] : [`--provider-id=k3s://${a.nodeName}`]),
      ...(f['kubelet-arg'] ?? []).map((x) => `--${String(x).replace(/^--/, '')}`),
    ],
    { logDir },
  );

  const tls = { ca: a.ca, cert: a.clientCert, key: a.clientKey };
  let node;
  await waitFor(
    `Node ${a.nodeName} registered with a pod CIDR`,
    async () => {
      const r = await request(new URL(`/api/v1/nodes/${a.nodeName}`, a.server).href, { tls });
      node = r.json;
      return r.status === 200 && node?.spec?.podCIDR;
    },
    { timeoutMs: 300_000, intervalMs: 1000, watch: [containerd, kubelet] },
  );
  writeFile(
    `${CNI_CONF_DIR}/10-bridge.conflist`,
    JSON.stringify(
      {
        cniVersion: '1.0.0',
        name: 'cbr0',
        plugins: [
          {
            type: 'bridge',
            bridge: 'cni0',
            isGateway: true,
            ipMasq: true,
            ipam: { type: 'host-local', ranges: [[{ subnet: node.spec.podCIDR }]] },
          },
          { type: 'portmap', capabilities: { portMappings: true } },
        ],
      },
      null,
      2,
    ),
    0o644,
  );
  return { procs: [containerd, kubelet], node };
}
