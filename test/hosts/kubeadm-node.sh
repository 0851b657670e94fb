#!/bin/bash
# Runs INSIDE a test host (as root): plays the Debian packages an air-gapped kubeadm install expects to
# find preinstalled (kubeadm, kubelet, kubectl, kubernetes-cni, containerd; Debian's runc, iptables,
# conntrack, socat come from the machine's /usr), with the real binaries:
#   kubeadm, kubelet, kubectl  $KSCTL_TEST_CACHE/kubernetes-<version>/ (scripts/build-kubernetes.sh) -> /usr/bin
#   containerd, ctr, shim      $KSCTL_TEST_CACHE/containerd-<version>/ (scripts/build-containerd.sh) -> /usr/bin
#   CNI plugins                Debian's containernetworking-plugins (/usr/lib/cni) -> /opt/cni/bin, as kubernetes-cni
# and the units: kubelet.service with the kubeadm package's 10-kubeadm.conf drop-in, containerd.service.
#
# One test-only adaptation (see README.md, "Kubernetes nodes"): the hosts have no systemd, so runc's
# systemd cgroup driver cannot work. containerd.service starts containerd through containerd-cgroupfs,
# which runs it with a copy of /etc/containerd/config.toml whose `SystemdCgroup = true` (what ksctl
# writes, right for a real machine) reads false; the kubelet takes the cgroup driver from containerd.
# Usage: kubeadm-node.sh KUBERNETES_DIR CONTAINERD_DIR
set -euo pipefail
kube=$1 ctrd=$2
install -m 0755 "$kube/kubeadm" "$kube/kubelet" "$kube/kubectl" /usr/bin/
install -m 0755 "$ctrd/containerd" "$ctrd/ctr" "$ctrd/containerd-shim-runc-v2" /usr/bin/
mkdir -p /opt/cni/bin /etc/cni/net.d /usr/local/lib/ksctl-test-node
cp /usr/lib/cni/* /opt/cni/bin/

cat > /usr/local/lib/ksctl-test-node/containerd-cgroupfs <<'SH'
#!/bin/sh
# Test hosts only: containerd with cgroupfs instead of the systemd cgroup driver (no systemd here).
set -e
mkdir -p /run/ksctl-test-node
# And restrict_oom_score_adj: the machine withholds CAP_SYS_RESOURCE, so runc cannot lower a container's
# oom_score_adj (-998 for pod sandboxes: "can't get final child's PID from pipe: EOF"); containerd then
# clamps it to its own score, as it does for rootless runs.
sed -e 's/SystemdCgroup = true/SystemdCgroup = false/' \
  -e 's/^\[plugins\."io\.containerd\.grpc\.v1\.cri"\]$/&\n  restrict_oom_score_adj = true/' \
  /etc/containerd/config.toml > /run/ksctl-test-node/containerd.toml
if grep -q '^version = 3' /run/ksctl-test-node/containerd.toml; then
  printf '\n[plugins.%s]\n  restrict_oom_score_adj = true\n' "'io.containerd.cri.v1.runtime'" >> /run/ksctl-test-node/containerd.toml
fi
exec /usr/bin/containerd --config /run/ksctl-test-node/containerd.toml
SH
chmod 0755 /usr/local/lib/ksctl-test-node/containerd-cgroupfs

mkdir -p /etc/systemd/system/kubelet.service.d
cat > /etc/systemd/system/containerd.service <<'UNIT'
[Unit]
Description=containerd container runtime
[Service]
ExecStart=/usr/local/lib/ksctl-test-node/containerd-cgroupfs
[Install]
WantedBy=multi-user.target
UNIT
# kubelet.service and its drop-in as the kubelet and kubeadm packages of pkgs.k8s.io install them.
cat > /etc/systemd/system/kubelet.service <<'UNIT'
[Unit]
Description=kubelet: The Kubernetes Node Agent
[Service]
ExecStart=/usr/bin/kubelet
[Install]
WantedBy=multi-user.target
UNIT
cat > /etc/systemd/system/kubelet.service.d/10-kubeadm.conf <<'UNIT'
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
UNIT
