#!/usr/bin/env bash
# Builds the real containerd 2.x from the Go module proxy into a cache outside the clone, keyed by version,
# so the tests can read back the containerd configuration ksctl writes for containerd 2 (`config dump`) and
# for 1.x (`config migrate`, which converts config version 2 the way a 2.x daemon does on start). A second
# run finds the binaries and returns at once. Also ctr and containerd-shim-runc-v2: the kubeadm e2e runs
# real containers with them (and Debian's runc) on the test hosts.
set -euo pipefail

version="${CONTAINERD_VERSION:-v2.4.2}"
cache="${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}"
out="$cache/containerd-$version"
bin="$out/containerd"

if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep " $version\b" >/dev/null && [ -x "$out/ctr" ] && [ -x "$out/containerd-shim-runc-v2" ]; then
  echo "containerd $version: cached at $out (containerd, ctr, containerd-shim-runc-v2)"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "containerd $version: go is not installed; skipping the build" >&2; exit 0; }

start=$(date +%s)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init ksctl.test/containerd-build >/dev/null 2>&1
GOFLAGS=-mod=mod go get "github.com/containerd/containerd/v2@$version" >/dev/null
mkdir -p "$out"
# Pure Go: no btrfs, devmapper or zfs snapshotters (cgo); overlayfs and native need none.
mkdir -p "$work/bin"
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags "no_btrfs no_devmapper no_zfs" \
  -ldflags "-s -w -X github.com/containerd/containerd/v2/version.Version=$version" \
  -o "$work/bin/" github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/ctr \
  github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2
for b in ctr containerd-shim-runc-v2 containerd; do mv "$work/bin/$b" "$out/$b"; done
echo "containerd $version: built $out (containerd, ctr, containerd-shim-runc-v2; $("$bin" --version)) in $(( $(date +%s) - start )) s"
