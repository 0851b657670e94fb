#!/usr/bin/env bash
# Installs Azurite (npm: Microsoft's Azure Storage emulator) into
# ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/azurite-<version>/, for the Azure Blob backup target's tests
# (test/backup/targets.test.ts). Not a project dependency: only tests start it, and its ~150 packages have
# no place in ksctl's install. Pinned to the newest release whose engines accept Node 20 (3.36 needs 21).
# Cached by version: a second run finds the installed package and returns in seconds.
set -euo pipefail

version="${AZURITE_VERSION:-3.35.0}"
cache="${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/azurite-$version"
main="$cache/node_modules/azurite/dist/src/blob/main.js"

if [ -f "$main" ] && grep -q "\"version\": \"$version\"" "$cache/node_modules/azurite/package.json"; then
  echo "install-azurite $version: cached at $cache"
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "install-azurite $version: npm is not installed; skipping" >&2; exit 0; }

start=$(date +%s)
rm -rf "$cache.tmp"
mkdir -p "$cache.tmp"
echo '{"private":true}' > "$cache.tmp/package.json"
npm install --prefix "$cache.tmp" --no-audit --no-fund --omit=dev --ignore-scripts --save-exact "azurite@$version" >/dev/null
[ -f "$cache.tmp/node_modules/azurite/dist/src/blob/main.js" ] || { echo "install-azurite: $version has no dist/src/blob/main.js" >&2; exit 1; }
rm -rf "$cache"
mv "$cache.tmp" "$cache"
echo "install-azurite $version: installed into $cache in $(( $(date +%s) - start )) s"
