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
# Usage: install-packages.sh [VERSION (default v1.31.7)]
# Env: BIN_DIR (default /usr/local/bin: /usr/bin is shared between test hosts), UNIT_DIR
# (default /etc/systemd/system), NODE_BIN. kubectl is not installed: the real /usr/bin/kubectl is used.
set -e
here=$(cd "$(dirname "$0")" && pwd)
version=${1:-${KUBEADM_STANDIN_VERSION:-v1.31.7}}
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
