#!/usr/bin/env bash
# Debian packages the test suite uses for real: sshd test hosts, HAProxy, shellcheck, tmux for prompt
# tests, sudo for non-root SSH users, cloud-init (its `cloud-init schema` validates our user data),
# kubectl (offline config commands); botocore's models and moto's server (PyPI); then upstream etcd, the
# real Kubernetes components (kube-apiserver, controller-manager, scheduler, kubelet, kube-proxy, kubectl,
# kubeadm), kwok and containerd 2.x built from the Go module proxy. Everything built or downloaded goes into
# ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}, keyed by version, so a second run takes seconds. Idempotent.
set -euo pipefail

# etcd-server/etcd-client (3.4): only the stand-ins' stacked etcd (k3s embedded, kubeadm local, kube-api
# testkit) runs it; ksctl's external etcd is upstream 3.6 from build-etcd.sh.
packages=(openssh-server openssh-client haproxy etcd-server etcd-client shellcheck tmux sudo iproute2 openssl procps util-linux cloud-init curl)
# Real kubeadm nodes on the test hosts (test/hosts/kubeadm-node.sh): runc under the built containerd, the CNI
# plugins, what kubeadm's preflight and kube-proxy look for, and busybox-static for the test images.
packages+=(runc containernetworking-plugins iptables conntrack socat ethtool busybox-static)
# The signed apt mirror of pkgs.k8s.io the kubeadm mirror e2e serves (test/helpers/apt-mirror.ts).
packages+=(dpkg-dev apt-utils gnupg)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null || missing+=("$p")
done
# kubectl: any build on PATH will do (the image may ship one); otherwise Debian's kubernetes-client.
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)

if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# cloud-init's postinst would configure this machine at its next boot; the tests only run its validator.
if [ -d /etc/cloud ] && [ ! -e /etc/cloud/cloud-init.disabled ]; then touch /etc/cloud/cloud-init.disabled; fi
# Every kubelet and containerd on the test hosts holds inotify instances, counted per user (all root here):
# Debian's default of 128 runs out ("Failed to start cAdvisor" err="inotify_init: too many open files").
for kv in fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=524288; do
  if [ "$(sysctl -n "${kv%%=*}")" -lt "${kv#*=}" ]; then sysctl -qw "$kv"; fi
done
# Debian's postinst scripts may start daemons where an init system exists; the tests start their own.
for svc in haproxy etcd ssh; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then systemctl stop "$svc" || true; fi
done

# Every test host's kubelet and containerd (the k3s launcher, kubeadm) open inotify instances, all counted
# against root, machine-wide: Debian's default of 128 runs out with a few clusters at once ("error creating
# fsnotify watcher: too many open files"). kind's known-issues page asks for the same limits.
for kv in fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=524288; do
  if [ "$(sysctl -n "${kv%=*}")" -lt "${kv#*=}" ]; then sysctl -qw "$kv"; fi
done

# botocore's published AWS service models (PyPI), read by test/fakes/aws/model-check.ts: FakeAws checks
# every request it receives against them; only its data files are used (no Python import), so no deps.
BOTOCORE_VERSION=1.43.11
botocore_dir="${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/botocore-${BOTOCORE_VERSION}"
if [ ! -d "$botocore_dir/botocore/data" ]; then
  rm -rf "$botocore_dir.tmp"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$botocore_dir.tmp" "botocore==${BOTOCORE_VERSION}"
  mv "$botocore_dir.tmp" "$botocore_dir"
fi
# moto's server (PyPI), the independent AWS emulator test/e2e/aws-moto.test.ts runs against.
bash "$(dirname "$0")/install-moto.sh"
# Object-storage emulators for the backup targets: Azurite (npm) for Azure Blob, fake-gcs-server (Go module)
# for GCS; S3 is moto's server above.
bash "$(dirname "$0")/install-azurite.sh"
bash "$(dirname "$0")/build-fake-gcs.sh"
# Upstream etcd (Debian ships 3.4, which kubeadm refuses): built once per machine and version.
bash "$(dirname "$0")/build-etcd.sh"
# And the etcd kubeadm v1.37.2 runs as stacked etcd (its image registry.k8s.io/etcd:3.7.0-0, built below by
# build-images.mjs from this tarball): a second wrapper module pinning v3.7.0, same script, own cache dir.
ETCD_WRAPPER=test/peers/etcd-v3.7 bash "$(dirname "$0")/build-etcd.sh"
# The real Kubernetes v1.37.2 components (kubeadm, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, kubelet, kube-proxy), one go build from the Go module proxy into
# ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/kubernetes-<version> (cached by version): the tests run
# `kubeadm config validate` on every configuration ksctl generates, and test/helpers/control-plane.ts runs a
# real control plane on loopback.
bash "$(dirname "$0")/build-kubernetes.sh"
# kwok and its upstream node/pod stages: simulated nodes at scale against that control plane.
bash "$(dirname "$0")/build-kwok.sh"
# The real containerd 2.x, likewise: the tests read back the containerd config ksctl writes (`config dump`),
# and the kubeadm e2e runs containers with it (with ctr and containerd-shim-runc-v2).
bash "$(dirname "$0")/build-containerd.sh"
# CoreDNS (kubeadm's DNS addon), then the images of an air-gapped kubeadm v1.37.2 cluster, built locally
# from those binaries (no registry is reachable): the kubeadm e2e imports them through spec.airgap.images.
bash "$(dirname "$0")/build-coredns.sh"
node "$(dirname "$0")/build-images.mjs"
# The previous minor, for the upgrade e2e (kubeadm and k3s clusters created at it, then upgraded to v1.37.2):
# the newest v1.36 patch on the Go module proxy (`go list -m -versions k8s.io/kubernetes`), its kubeadm,
# kubelet, kubectl and the images `kubeadm config images list --kubernetes-version v1.36.3` names
# (CoreDNS v1.14.2; pause 3.10.2 as v1.37's; etcd is external, ksctl's own: its etcd 3.6.8 image is not
# built). Same caches, keyed by version.
start_136=$(date +%s)
KUBERNETES_VERSION=v1.36.3 bash "$(dirname "$0")/build-kubernetes.sh"
COREDNS_VERSION=v1.14.2 bash "$(dirname "$0")/build-coredns.sh"
KUBERNETES_VERSION=v1.36.3 COREDNS_VERSION=v1.14.2 node "$(dirname "$0")/build-images.mjs"
echo "install-test-deps: Kubernetes v1.36.3 (binaries, CoreDNS v1.14.2, images) ready in $(( $(date +%s) - start_136 )) s"
exit 0
