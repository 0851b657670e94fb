#!/usr/bin/env bash
# Builds fake-gcs-server (github.com/fsouza/fake-gcs-server, a GCS emulator speaking the JSON and XML APIs)
# from the Go module proxy into ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/fake-gcs-server-<version>/, for
# the GCS backup target's tests (test/backup/targets.test.ts). The module has no replace directives, so
# `go install module@version` builds upstream's main package as released. It has no --version flag: the
# version is recorded in a stamp file beside the binary, written only after a successful build.
# Cached by version: a second run finds the stamp and returns in seconds. Prints the build time.
set -euo pipefail

version="${FAKE_GCS_VERSION:-v1.56.1}"
cache="${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/fake-gcs-server-$version"
bin="$cache/fake-gcs-server"
stamp="$cache/version"

if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  echo "build-fake-gcs $version: cached at $bin"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "build-fake-gcs $version: go is not installed; skipping the build" >&2; exit 0; }

start=$(date +%s)
mkdir -p "$cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 GOBIN="$work" go install -trimpath -ldflags "-s -w" "github.com/fsouza/fake-gcs-server@$version"
mv -f "$work/fake-gcs-server" "$bin"
echo "$version" > "$stamp"
echo "build-fake-gcs $version: built $bin in $(( $(date +%s) - start )) s"
