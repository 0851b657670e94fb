#!/usr/bin/env bash
# Builds upstream etcd, etcdctl and etcdutl (the version pinned in the wrapper module's go.mod) from the
# Go module proxy and packs them as upstream lays out its release tarball:
#   ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/etcd-<version>/etcd-<version>-linux-<arch>.tar.gz
#   containing etcd-<version>-linux-<arch>/{etcd,etcdctl,etcdutl}
# Tests serve that tarball to SSH test hosts as a mirror (or hand it over on the air-gap path).
# The wrapper module: test/peers/etcd (3.6, ksctl's external etcd) unless ETCD_WRAPPER names another,
# e.g. ETCD_WRAPPER=test/peers/etcd-v3.7 (the etcd of kubeadm v1.37's own image, for stacked etcd).
# Cached by version: a second run only checks the stamp. Prints what it built and how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

wrapper="${ETCD_WRAPPER:-test/peers/etcd}"
version=$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2 }' "$wrapper/go.mod")
[ -n "$version" ] || { echo "build-etcd: no etcd server version in $wrapper/go.mod" >&2; exit 1; }
arch=$(go env GOARCH)
cache="${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/etcd-${version}"
name="etcd-${version}-linux-${arch}"
tarball="$cache/$name.tar.gz"
stamp="$cache/$name.stamp"
# The wrapper's sources and this script are part of the key: a changed main package or flag rebuilds.
key="$version $(cat scripts/build-etcd.sh "$wrapper"/go.mod "$wrapper"/go.sum "$wrapper"/cmd/*/main.go | sha256sum | cut -c1-16)"

if [ -f "$tarball" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
  echo "build-etcd: $tarball is cached ($version)"
  exit 0
fi

start=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/$name" "$cache"
# The version itself is a constant in etcd's api module; upstream's release build also stamps the git
# commit, which the module proxy does not give: say where this build came from instead.
ldflags="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=module-proxy"
for bin in etcd etcdctl etcdutl; do
  (cd "$wrapper" && CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags "$ldflags" -o "$work/$name/$bin" "./cmd/$bin")
done
"$work/$name/etcd" --version | grep -F "etcd Version: ${version#v}" >/dev/null || { echo "build-etcd: built etcd does not report ${version#v}" >&2; exit 1; }
# Reproducible archive: fixed order, owner and times.
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work" -cf - "$name" | gzip -n -9 > "$tarball.tmp"
mv -f "$tarball.tmp" "$tarball"
(cd "$cache" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
echo "$key" > "$stamp"
echo "build-etcd: built $tarball ($version) in $(( $(date +%s) - start ))s; sha256 $(cut -d' ' -f1 "$tarball.sha256")"
