#!/usr/bin/env bash
# Builds the real Kubernetes components from the Go module proxy into a cache outside the clone, keyed by
# version: ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/kubernetes-<version>/<component>. A second run checks
# each binary's reported version and returns in seconds.
#   bash scripts/build-kubernetes.sh                      # every component below
#   bash scripts/build-kubernetes.sh kubeadm kubectl      # only these
# k8s.io/kubernetes is not meant to be required as a module (its staging modules are replaced by
# ./staging paths), so a wrapper module mirrors its go.mod: every `k8s.io/X => ./staging/src/k8s.io/X`
# becomes `k8s.io/X => k8s.io/X v0.<minor>.<patch>` and its godebug lines are copied. All missing
# components are built by ONE `go build`, so the packages they share compile once.
set -euo pipefail

version="${KUBERNETES_VERSION:-${KUBEADM_VERSION:-v1.37.2}}"
cache="${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}"
out="$cache/kubernetes-$version"
all=(kubeadm kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy)
wanted=("$@")
[ "${#wanted[@]}" -gt 0 ] || wanted=("${all[@]}")

# What each binary prints for its version: `Kubernetes v1.37.2` (the servers, kubelet, kube-proxy),
# `v1.37.2` (kubeadm -o short), `Client Version: v1.37.2` (kubectl).
reports_version() {
  local bin="$out/$1"
  local said
  [ -x "$bin" ] || return 1
  # Captured first: `grep -q` stops reading at the match, and under pipefail the writer's SIGPIPE fails the check.
  case "$1" in
    kubeadm) said="$("$bin" version -o short 2>/dev/null)" && grep -qx "$version" <<<"$said" ;;
    kubectl) said="$("$bin" version --client 2>/dev/null)" && grep -qx "Client Version: $version" <<<"$said" ;;
    *) said="$("$bin" --version 2>/dev/null)" && grep -qx "Kubernetes $version" <<<"$said" ;;
  esac
}

missing=()
for c in "${wanted[@]}"; do
  case " ${all[*]} " in *" $c "*) ;; *) echo "build-kubernetes: unknown component '$c' (one of: ${all[*]})" >&2; exit 2 ;; esac
  reports_version "$c" || missing+=("$c")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "build-kubernetes $version: cached in $out (${wanted[*]})"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "build-kubernetes $version: go is not installed; skipping the build" >&2; exit 0; }

start=$(date +%s)
staging="v0.${version#v1.}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

gomod="$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
[ -f "$gomod" ] || { echo "build-kubernetes: could not download k8s.io/kubernetes@$version" >&2; exit 1; }
{
  echo "module ksctl.test/kubernetes-build"
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
# The version the binaries report comes from ldflags, as in kubernetes' own build (hack/lib/version.sh).
minor=$(echo "$version" | cut -d. -f2)
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
pkgs=()
for c in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
{
  echo '//go:build tools'
  echo
  echo 'package tools'
  echo
  for p in "${pkgs[@]}"; do echo "import _ \"$p\""; done
} > tools.go
GOFLAGS=-mod=mod go mod tidy -e >/dev/null 2>&1 || true
GOFLAGS=-mod=mod go get "k8s.io/kubernetes@$version" >/dev/null
mkdir -p "$out" "$work/bin"
echo "build-kubernetes $version: building ${missing[*]} (one go build)"
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" -o "$work/bin/" "${pkgs[@]}"
for c in "${missing[@]}"; do
  mv -f "$work/bin/$c" "$out/$c.tmp"
  mv -f "$out/$c.tmp" "$out/$c"
  reports_version "$c" || { echo "build-kubernetes: built $c does not report $version" >&2; exit 1; }
done
echo "build-kubernetes $version: built ${missing[*]} into $out in $(( $(date +%s) - start )) s"
