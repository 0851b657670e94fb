#!/bin/sh
# TEST STAND-IN for installing the kubeadm and kubelet packages (what
# `apt-get install -y kubelet=V kubeadm=V` does on a real node). Installs:
#   $BIN_DIR/kubeadm   wrapper running kubeadm.mjs, version VERSION (make-binary.sh)
#   $BIN_DIR/kubelet   wrapper running ../kube-api/kubelet.mjs, version VERSION
#   $UNIT_DIR/kubelet.service  ExecStart=$BIN_DIR/kubelet, and like the kubeadm package the drop-in
#   $UNIT_DIR/kubelet.service.d/10-kubeadm.conf (--kubeconfig=/etc/kubernetes/kubelet.conf plus
#                      $KUBELET_KUBEADM_ARGS from /var/lib/kubelet/kubeadm-flags.env). As with the
#                      real packages, the kubelet exits until kubeadm configured the node; kubeadm
#                      init/join then run `systemctl restart kubelet` (test hosts' systemctl stand-in).
# Usage: install-packages.sh [VERSION]
#   VERSION (v1.36.2): `apt-get install kubelet=1.36.2-1.1 kubeadm=1.36.2-1.1`, exactly that release.
#   no VERSION: `apt-get install kubelet kubeadm` from the configured per-minor repository: the
#   `pkgs.k8s.io/core:/stable:/vX.Y/deb/` line of $APT_LIST (default
#   /etc/apt/sources.list.d/kubernetes.list) picks the minor, and its newest release is installed
#   (../upstream/upstream.sh kubernetes-repo X.Y), as apt would; no repository configured: exit 100.
# Env: BIN_DIR (default /usr/local/bin: /usr/bin is shared between test hosts), UNIT_DIR
# (default /etc/systemd/system), NODE_BIN. kubectl is not installed: the real /usr/bin/kubectl is used.
set -e
here=$(cd "$(dirname "$0")" && pwd)
version=${1:-${KUBEADM_STANDIN_VERSION:-}}
if [ -z "$version" ]; then
    list=${APT_LIST:-/etc/apt/sources.list.d/kubernetes.list}
    minor=$(sed -n 's#.*pkgs\.k8s\.io/core:/stable:/v\([0-9]*\.[0-9]*\)/deb/.*#\1#p' "$list" 2>/dev/null | head -n 1)
    [ -n "$minor" ] || { echo "E: Unable to locate package kubeadm" >&2; exit 100; }
    version=$(sh "$here/../upstream/upstream.sh" kubernetes-repo "$minor") || { echo "E: Unable to locate package kubeadm" >&2; exit 100; }
fi
bin=${BIN_DIR:-/usr/local/bin}
units=${UNIT_DIR:-/etc/systemd/system}
node=${NODE_BIN:-$(command -v node || echo /usr/bin/node)}

sh "$here/make-binary.sh" "$bin/kubeadm" "$version"
{
    echo '#!/bin/sh'
    echo "# kubelet TEST STAND-IN (not the real kubelet) version $version"
    echo "KUBELET_STANDIN_VERSION='$version' exec '$node' '$here/../kube-api/kubelet.mjs' \"\$@\""
} > "$bin/kubelet.tmp"
chmod 755 "$bin/kubelet.tmp"
mv -f "$bin/kubelet.tmp" "$bin/kubelet"

mkdir -p "$units"
printf '%s\n' '[Unit]' 'Description=kubelet: The Kubernetes Node Agent (test stand-in)' \
    'Documentation=https://kubernetes.io/docs/' 'Wants=network-online.target' 'After=network-online.target' '' \
    '[Service]' "ExecStart=$bin/kubelet" 'Restart=always' 'StartLimitInterval=0' 'RestartSec=10' '' \
    '[Install]' 'WantedBy=multi-user.target' > "$units/kubelet.service"
mkdir -p "$units/kubelet.service.d"
printf '%s\n' '# Note: This dropin only works with kubeadm and kubelet v1.11+ (test stand-in copy of the packaged file)' '[Service]' \
    'Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"' \
    'Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"' \
    'EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env' 'EnvironmentFile=-/etc/default/kubelet' 'ExecStart=' \
    "ExecStart=$bin/kubelet \$KUBELET_KUBECONFIG_ARGS \$KUBELET_CONFIG_ARGS \$KUBELET_KUBEADM_ARGS \$KUBELET_EXTRA_ARGS" \
    > "$units/kubelet.service.d/10-kubeadm.conf"
echo "kubeadm and kubelet $version (test stand-ins) installed in $bin"
