/**
 * Real kubeadm nodes on the SSH test hosts: the packages an air-gapped kubeadm install finds preinstalled
 * (test/hosts/kubeadm-node.sh: the real kubeadm, kubelet, kubectl and containerd built from the Go module
 * proxy, Debian's runc and CNI plugins) and the image archives scripts/build-images.mjs builds for the
 * air-gap directory, which ksctl uploads and imports (`spec.airgap.images`).
 */
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { TestHost } from '../hosts/harness.js';
import { ROOT } from './cli.js';
import { KUBERNETES_VERSION, testCache } from './kube-binaries.js';

export const CONTAINERD_VERSION = 'v2.4.2';

/** The release the upgrade e2e starts from (scripts/install-test-deps.sh builds it next to v1.37.2). */
export const PREVIOUS_KUBERNETES_VERSION = 'v1.36.3';

export const kubernetesDir = (version = KUBERNETES_VERSION) => path.join(testCache(), `kubernetes-${version}`);
export const containerdDir = () => path.join(testCache(), `containerd-${CONTAINERD_VERSION}`);
export const imagesDir = (version = KUBERNETES_VERSION) => path.join(testCache(), `images-${version}`);

/**
 * What a real kubeadm node needs and is not built yet, naming the script that builds it; with
 * `stackedEtcd`, the etcd image kubeadm runs on its control planes too.
 */
export function missingKubeadmNodeParts(version = KUBERNETES_VERSION, opts: { stackedEtcd?: boolean } = {}): string[] {
  const need: [string, string][] = [
    ...['kubeadm', 'kubelet', 'kubectl'].map((b): [string, string] => [
      path.join(kubernetesDir(version), b),
      'scripts/build-kubernetes.sh',
    ]),
    ...['containerd', 'ctr', 'containerd-shim-runc-v2'].map((b): [string, string] => [
      path.join(containerdDir(), b),
      'scripts/build-containerd.sh',
    ]),
    [path.join(imagesDir(version), 'stamp'), 'scripts/build-images.mjs'],
    [path.join(imagesDir(version), 'coredns.tar'), 'scripts/build-coredns.sh, then scripts/build-images.mjs'],
    ...(opts.stackedEtcd
      ? [
          [
            path.join(imagesDir(version), ETCD_IMAGE),
            'ETCD_WRAPPER=test/peers/etcd-v3.7 scripts/build-etcd.sh, then scripts/build-images.mjs',
          ] as [string, string],
        ]
      : []),
    ['/usr/sbin/runc', 'apt-get install runc'],
    ['/usr/lib/cni/bridge', 'apt-get install containernetworking-plugins'],
  ];
  const missing = need.filter(([f]) => !existsSync(f)).map(([f, how]) => `${f} (${how})`);
  // Each kubelet and containerd holds inotify instances; the default 128 per user runs out.
  if (Number(readFileSync('/proc/sys/fs/inotify/max_user_instances', 'utf8')) < 1024)
    missing.push('fs.inotify.max_user_instances >= 1024 (scripts/install-test-deps.sh)');
  return missing;
}

/** The stacked etcd's image archive (registry.k8s.io/etcd:3.7.0-0 for v1.37.2). */
export const ETCD_IMAGE = 'etcd.tar';

/**
 * The built image archives (file names), e.g. kube-apiserver.tar, pause.tar; etcd's only with
 * `stackedEtcd` (a cluster with external etcd never runs it: 22 MiB less to upload and import per node).
 */
export function builtImages(version = KUBERNETES_VERSION, opts: { stackedEtcd?: boolean } = {}): string[] {
  return readdirSync(imagesDir(version))
    .filter((f) => f.endsWith('.tar') && (opts.stackedEtcd || f !== ETCD_IMAGE))
    .sort();
}

/** Copies the image archives into the air-gap directory; returns their names for spec.airgap.images. */
export function addImagesToAirgap(
  dir: string,
  version = KUBERNETES_VERSION,
  opts: { stackedEtcd?: boolean } = {},
): string[] {
  const images = builtImages(version, opts);
  for (const f of images) copyFileSync(path.join(imagesDir(version), f), path.join(dir, f));
  return images;
}

/** Preinstalls the kubeadm node packages on each host (in parallel). */
export async function installKubeadmNodes(hosts: TestHost[], version = KUBERNETES_VERSION): Promise<void> {
  const script = path.join(ROOT, 'test/hosts/kubeadm-node.sh');
  await Promise.all(
    hosts.map(async (h) => {
      const r = await h.exec(`bash ${script} ${kubernetesDir(version)} ${containerdDir()}`, { timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`kubeadm node packages on ${h.name}: ${r.stderr}`);
    }),
  );
}
