#!/bin/sh
# TEST STAND-IN installer helper (not part of k3s): puts the k3s stand-in where the real binary
# would be. DEST becomes a small wrapper that runs k3s.mjs (next to this script) with Node and
# bakes in the version it reports, the way a real k3s binary has its version compiled in, and the
# test cache holding the real Kubernetes, etcd and containerd binaries the launcher runs.
# Usage: make-binary.sh [DEST (default /usr/local/bin/k3s)] [VERSION (default v1.31.7+k3s1)]
# NODE_BIN overrides the node executable (default: node on PATH, else /usr/bin/node).
set -e
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-/usr/local/bin/k3s}
version=${2:-${K3S_STANDIN_VERSION:-v1.31.7+k3s1}}
node=${NODE_BIN:-$(command -v node || echo /usr/bin/node)}
mkdir -p "$(dirname "$dest")"
cat > "$dest.tmp" <<WRAPPER
#!/bin/sh
# k3s TEST STAND-IN (not the real k3s) version $version
# K3S_STANDIN_HOME=$here
K3S_STANDIN_CACHE='${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}' K3S_STANDIN_VERSION='$version' K3S_STANDIN_ARGV0="\$0" exec '$node' '$here/k3s.mjs' "\$@"
WRAPPER
chmod 755 "$dest.tmp"
mv -f "$dest.tmp" "$dest"
