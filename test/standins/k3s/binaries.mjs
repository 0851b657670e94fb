// TEST STAND-IN support (not shipped): where the launcher finds the REAL binaries it runs in place
// of the ones compiled into k3s. They are built by scripts/install-test-deps.sh into the test cache
// (${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}, keyed by version), which test hosts see read-only.
// make-binary.sh bakes the cache directory into the installed wrapper (K3S_STANDIN_CACHE), because
// the k3s unit does not inherit the test runner's environment.
import fs from 'node:fs';
import path from 'node:path';

export const KUBERNETES_VERSION = 'v1.37.2';
export const ETCD_VERSION = 'v3.6.14';
export const CONTAINERD_VERSION = 'v2.4.2';

const cache = () => process.env.K3S_STANDIN_CACHE || process.env.KSCTL_TEST_CACHE || '/var/cache/ksctl-test';

/**
 * The Kubernetes release the installed k3s binary stands for: `v1.36.3+k3s1` runs the real v1.36.3
 * components when the test cache holds them (scripts/build-kubernetes.sh builds v1.37.2 and the newest
 * v1.36 patch), so swapping the k3s binary for another release and restarting the service runs
 * another Kubernetes, as with the real k3s. Any other version runs v1.37.2.
 */
export function kubernetesVersion() {
  const v = /^(v\d+\.\d+\.\d+)\+k3s\d+$/.exec(process.env.K3S_STANDIN_VERSION ?? '')?.[1];
  return v && fs.existsSync(path.join(cache(), `kubernetes-${v}`, 'kubelet')) ? v : KUBERNETES_VERSION;
}

/** kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubectl of kubernetesVersion(). */
export function kubeBin(name) {
  return path.join(cache(), `kubernetes-${kubernetesVersion()}`, name);
}

/** etcd 3.6 (the release k3s v1.37 embeds); the build script unpacks it into bin-<sha prefix>/. */
export function etcdBin() {
  if (process.env.STANDIN_ETCD_BIN) return process.env.STANDIN_ETCD_BIN;
  const dir = path.join(cache(), `etcd-${ETCD_VERSION}`);
  const sub = fs.existsSync(dir) ? fs.readdirSync(dir).find((d) => d.startsWith('bin-')) : undefined;
  return sub ? path.join(dir, sub, 'etcd') : '/usr/bin/etcd';
}

/** containerd, and next to it (scripts/build-containerd.sh) `ctr` and `containerd-shim-runc-v2`. */
export function containerdDir() {
  return path.join(cache(), `containerd-${CONTAINERD_VERSION}`);
}

export function containerdBin() {
  return path.join(containerdDir(), 'containerd');
}

export function ctrBin() {
  return path.join(containerdDir(), 'ctr');
}

/** Missing binaries, so a start fails with one clear message instead of a spawn ENOENT. */
export function missing(paths) {
  return paths.filter((p) => !fs.existsSync(p));
}
