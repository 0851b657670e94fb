#!/bin/sh
# TEST STAND-IN installer helper (not part of kubeadm): puts the kubeadm stand-in where the real binary
# would be. DEST becomes a small wrapper that runs kubeadm.mjs (next to this script) with Node and
# bakes in the version it reports, the way a real kubeadm binary has its version compiled in.
# Usage: make-binary.sh [DEST (default /usr/local/bin/kubeadm)] [VERSION (default v1.31.7)]
# NODE_BIN overrides the node executable (default: node on PATH, else /usr/bin/node).
set -e
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-/usr/local/bin/kubeadm}
version=${2:-${KUBEADM_STANDIN_VERSION:-v1.31.7}}
node=${NODE_BIN:-$(command -v node || echo /usr/bin/node)}
mkdir -p "$(dirname "$dest")"
cat > "$dest.tmp" <<WRAPPER
#!/bin/sh
# kubeadm TEST STAND-IN (not the real kubeadm) version $version
# KUBEADM_STANDIN_HOME=$here
KUBEADM_STANDIN_VERSION='$version' exec '$node' '$here/kubeadm.mjs' "\$@"
WRAPPER
chmod 755 "$dest.tmp"
mv -f "$dest.tmp" "$dest"
