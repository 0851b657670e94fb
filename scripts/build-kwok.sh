#!/usr/bin/env bash
# Builds kwok (sigs.k8s.io/kwok/cmd/kwok) from the Go module proxy into
# ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/kwok-<version>/, with the stage set kwok's own
# kustomize/stage/fast uses (node initialize, node heartbeat with lease, pod ready/complete/delete) as one
# config file, stages.yaml, for `kwok --config`. kwok has no built-in stages: without them it refuses to start.
# kwok v0.8.0 requires the k8s.io libraries at v0.36.1 and has no replace directives, so it builds as its
# own module; a v0.36 client against the v1.37 API server is inside Kubernetes' one-minor client skew.
# Cached by version: a second run checks `kwok --version` and the stage file and returns in seconds.
set -euo pipefail

version="${KWOK_VERSION:-v0.8.0}"
cache="${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/kwok-$version"
bin="$cache/kwok"
stages="$cache/stages.yaml"

# Captured, then matched: under pipefail, `grep -q` closing the pipe early could fail the check.
reports_version() { local said; said="$("$bin" --version 2>/dev/null)" && grep -qF "kwok version ${version} " <<<"$said"; }

if [ -x "$bin" ] && [ -s "$stages" ] && reports_version; then
  echo "build-kwok $version: cached at $bin"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "build-kwok $version: go is not installed; skipping the build" >&2; exit 0; }

start=$(date +%s)
mkdir -p "$cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The version is a constant in sigs.k8s.io/kwok/pkg/consts (its release build sets the same -X).
CGO_ENABLED=0 GOBIN="$work" go install -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${version#v}" \
  "sigs.k8s.io/kwok/cmd/kwok@$version"
src="$(go mod download -json "sigs.k8s.io/kwok@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
for f in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
  cat "$src/kustomize/stage/$f.yaml"
  echo '---'
done > "$work/stages.yaml"
mv -f "$work/stages.yaml" "$stages"
mv -f "$work/kwok" "$bin"
reports_version || { echo "build-kwok: built kwok does not report $version" >&2; exit 1; }
echo "build-kwok $version: built $bin ($("$bin" --version | head -1)) in $(( $(date +%s) - start )) s"
