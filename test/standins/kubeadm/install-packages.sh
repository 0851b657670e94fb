#!/bin/sh
# TEST STAND-IN for installing the kubeadm and kubelet packages (what
# `apt-get install -y kubelet=V kubeadm=V` does on a real node). Installs:
#   $BIN_DIR/kubeadm   wrapper running kubeadm.mjs, version VERSION (make-binary.sh)
#   $BIN_DIR/kubelet   wrapper running ../kube-api/kubelet.mjs, version VERSION
#   $UNIT_DIR/kubelet.service  ExecStart=$BIN_DIR/kubelet — like the packaged unit, the kubelet it
#                      starts exits until kubeadm configured the node; the kubeadm stand-in starts
#                      its own configured kubelet process during init/join.
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
echo "kubeadm and kubelet $version (test stand-ins) installed in $bin"
