#!/usr/bin/env bash
# Installs moto's server (PyPI), an AWS emulator nobody here wrote, into a Python virtual environment:
#   ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/moto-<version>/bin/moto_server
# with every package pinned in test/peers/moto/requirements.txt. test/e2e/aws-moto.test.ts runs
# ksctl's AWS provider against it. Cached: a second run only compares the stamp (the requirements'
# hash), so an edited pin reinstalls. Prints what it installed and how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=test/peers/moto/requirements.txt
version=$(sed -n 's/^moto\(\[[^]]*\]\)\{0,1\}==\([^ ]*\)$/\2/p' "$requirements")
[ -n "$version" ] || { echo "install-moto: no moto pin in $requirements" >&2; exit 1; }
venv="${KSCTL_TEST_CACHE:-/var/cache/ksctl-test}/moto-${version}"
stamp="$venv/ksctl.stamp"
key="$version $(cat scripts/install-moto.sh "$requirements" | sha256sum | cut -c1-16)"

if [ -x "$venv/bin/moto_server" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
  echo "install-moto: $venv is cached (moto $version)"
  exit 0
fi

start=$(date +%s)
# Debian's own python3 keeps venv's pip bootstrap in a separate package.
if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv
fi
# A venv's scripts carry its absolute path, so it is built in place (not renamed); the stamp is
# written last, so an interrupted run never leaves a half venv that looks cached.
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
"$venv/bin/python" -c "import moto, flask_cors; assert moto.__version__ == '$version', moto.__version__"
echo "$key" > "$stamp"
echo "install-moto: installed moto $version into $venv in $(( $(date +%s) - start ))s"
