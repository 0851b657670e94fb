#!/usr/bin/env bash
# Builds CoreDNS (github.com/coredns/coredns, the version kubeadm v1.37.2 deploys: `kubeadm config images
# list`) from the Go module proxy into ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/coredns-<version>/, for the
# registry.k8s.io/coredns/coredns image scripts/build-images.mjs makes. A second run finds it and returns.
set -euo pipefail

version="${COREDNS_VERSION:-v1.14.6}"
cache="${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}"
out="$cache/coredns-$version"
bin="$out/coredns"

if [ -x "$bin" ] && "$bin" -version 2>/dev/null | grep "CoreDNS-${version#v}" >/dev/null; then
  echo "coredns $version: cached at $bin"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "coredns $version: go is not installed; skipping the build" >&2; exit 0; }

start=$(date +%s)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init ksctl.test/coredns-build >/dev/null 2>&1
GOFLAGS=-mod=mod go get "github.com/coredns/coredns@$version" >/dev/null
mkdir -p "$out"
# Static (CGO_ENABLED=0) like upstream's release build; the plugin set is coredns's own plugin.cfg.
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$bin.tmp" github.com/coredns/coredns
mv "$bin.tmp" "$bin"
echo "coredns $version: built $bin ($("$bin" -version | head -n1)) in $(( $(date +%s) - start )) s"
