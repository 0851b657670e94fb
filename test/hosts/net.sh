#!/bin/bash
# Network plumbing for test hosts (root namespace side).
#   net.sh bridge                      ensure the shared bridge exists, is up and owns .1/24
#   net.sh up NETNS VETH ADDR MAC      create a host's netns, veth pair (eth0 inside) and address
# Teardown lives in cleanup.sh so crashed runs and normal teardown share one code path.
set -euo pipefail
. "$(dirname "$0")/common.sh"

ensure_bridge() {
  if ! ip link show "$KSH_BRIDGE" >/dev/null 2>&1; then
    # Another vitest worker may win the race; "File exists" is fine, the checks below decide.
    # STP off + forward_delay 0: ports forward immediately, no 15 s learning wait.
    ip link add "$KSH_BRIDGE" address "$KSH_BRIDGE_MAC" type bridge stp_state 0 forward_delay 0 2>/dev/null || true
  fi
  ip addr replace "$KSH_GATEWAY/24" dev "$KSH_BRIDGE"
  ip link set "$KSH_BRIDGE" up
}

host_up() {
  local ns=$1 veth=$2 addr=$3 mac=$4
  ip netns add "$ns"
  # The MAC is derived from the address, so when an address is reused by a later host set the
  # root namespace's ARP cache entry is still right (a stale entry would black-hole traffic).
  ip link add "$veth" type veth peer name eth0 address "$mac" netns "$ns"
  ip link set "$veth" master "$KSH_BRIDGE" up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$KSH_GATEWAY"
}

case "${1:-}" in
  bridge) ensure_bridge ;;
  up) shift; host_up "$@" ;;
  *) echo "usage: net.sh bridge | up NETNS VETH ADDR MAC" >&2; exit 2 ;;
esac
