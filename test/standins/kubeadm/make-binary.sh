#!/bin/sh
# TEST STAND-IN installer helper (not part of kubeadm): puts the kubeadm stand-in where the real binary
# would be. DEST becomes a small wrapper that runs kubeadm.mjs (next to this script) with Node and
# bakes in the version it reports, the way a real kubeadm binary has its version compiled in.
# Usage: make-binary.sh [DEST (default /usr/local/bin/kubeadm)] [VERSION (default v1.31.7)]
# NODE_BIN overrides the node executable (default: node on PATH, else /usr/bin/node).
# KUBEADM_STANDIN_DISCOVERY_TIMEOUT, _CERT_KEY_TTL and _API_RETRY_SECONDS, when set, become the
# wrapper's defaults (see README.md), so tests can tune a kubeadm that something else runs.
set -e
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-/usr/local/bin/kubeadm}
version=${2:-${KUBEADM_STANDIN_VERSION:-v1.31.7}}
node=${NODE_BIN:-$(command -v node || echo /usr/bin/node)}
mkdir -p "$(dirname "$dest")"
# Test knobs set while installing are baked in as defaults (ksctl runs kubeadm with a clean environment).
knobs=""
for k in KUBEADM_STANDIN_DISCOVERY_TIMEOUT KUBEADM_STANDIN_CERT_KEY_TTL KUBEADM_STANDIN_API_RETRY_SECONDS; do
    eval "v=\${$k:-}"
    case "$v" in *[!A-Za-z0-9.]*) echo "make-binary.sh: $k=$v: letters, digits and dots only" >&2; exit 1 ;; esac
    if [ -n "$v" ]; then knobs="$knobs
export $k=\${$k:-$v}"; fi
done
cat > "$dest.tmp" <<WRAPPER
#!/bin/sh
# kubeadm TEST STAND-IN (not the real kubeadm) version $version
# KUBEADM_STANDIN_HOME=$here$knobs
KUBEADM_STANDIN_VERSION='$version' exec '$node' '$here/kubeadm.mjs' "\$@"
WRAPPER
chmod 755 "$dest.tmp"
mv -f "$dest.tmp" "$dest"
