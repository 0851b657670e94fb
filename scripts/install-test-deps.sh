#!/usr/bin/env bash
# Debian packages the test suite uses for real: sshd test hosts, HAProxy, etcd, shellcheck, tmux for
# prompt tests, sudo for non-root SSH users, and kubectl (offline config commands); then the real kubeadm
# and containerd built with Go into ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test} (cached by version). Idempotent.
set -euo pipefail

packages=(openssh-server openssh-client haproxy etcd-server etcd-client shellcheck tmux sudo iproute2 openssl procps util-linux)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# kubectl: any build on PATH will do (the image may ship one); otherwise Debian's kubernetes-client.
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)

if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's postinst scripts may start daemons where an init system exists; the tests start their own.
for svc in haproxy etcd ssh; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then systemctl stop "$svc" || true; fi
done
# The real kubeadm, built from the Go module proxy into ${KSCTL_TEST_CACHE:-/var/cache/ksctl-test} (cached by
# version): the tests run `kubeadm config validate` on every configuration ksctl generates.
bash "$(dirname "$0")/build-kubeadm.sh"
# The real containerd 2.x, likewise: the tests read back the containerd config ksctl writes (`config dump`).
bash "$(dirname "$0")/build-containerd.sh"
exit 0
