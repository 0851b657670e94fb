#!/usr/bin/env bash
# Builds the real kubeadm from the Go module proxy into a cache outside the clone, keyed by version, so the tests
# can run `kubeadm config validate` on every configuration ksctl generates. A second run finds the binary and
# returns at once. k8s.io/kubernetes is not meant to be required as a module (its staging modules are replaced by
# ./staging paths), so a wrapper module mirrors its go.mod: every `k8s.io/X => ./staging/src/k8s.io/X` becomes
# `k8s.io/X => k8s.io/X v0.<minor>.<patch>` and its godebug lines are copied.
set -euo pipefail

version="${KUBEADM_VERSION:-v1.37.2}"
cache="${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}"
out="$cache/kubernetes-$version"
bin="$out/kubeadm"

if [ -x "$bin" ] && "$bin" version -o short 2>/dev/null | grep -qx "$version"; then
  echo "kubeadm $version: cached at $bin"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "kubeadm $version: go is not installed; skipping the build" >&2; exit 0; }

start=$(date +%s)
staging="v0.${version#v1.}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

gomod="$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
[ -f "$gomod" ] || { echo "kubeadm $version: could not download k8s.io/kubernetes@$version" >&2; exit 1; }
{
  echo "module ksctl.test/kubeadm-build"
  echo
  sed -n 's/^go \(.*\)$/go \1/p' "$gomod"
  sed -n '/^godebug /p' "$gomod"
  echo
  echo "require k8s.io/kubernetes $version"
  echo
  echo "replace ("
  sed -n 's#^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/src/k8s\.io/[^ ]*$#\t\1 => \1 '"$staging"'#p' "$gomod"
  echo ")"
} > go.mod
# The version the binary reports (`kubeadm version`) comes from ldflags, as in kubernetes' own build.
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1"
ldflags="$ldflags -X k8s.io/component-base/version.gitMinor=$(echo "$version" | cut -d. -f2)"
ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitVersion=$version"
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kubeadm"
GO
GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
GOFLAGS=-mod=mod go get "k8s.io/kubernetes/cmd/kubeadm@$version" >/dev/null
mkdir -p "$out"
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" -o "$bin.tmp" k8s.io/kubernetes/cmd/kubeadm
mv "$bin.tmp" "$bin"
echo "kubeadm $version: built $bin ($("$bin" version -o short)) in $(( $(date +%s) - start )) s"
