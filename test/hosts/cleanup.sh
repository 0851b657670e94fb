#!/bin/bash
# Removes test hosts and everything they left behind.
#   cleanup.sh --set ID   one host set (normal teardown by its owner)
#   cleanup.sh --stale    every set whose owning process is dead (the harness runs this at start)
#   cleanup.sh --all      every set, live or not, plus the bridge (for humans after crashed runs)
# Killing a host's processes is enough to free its overlays: their upper dirs live on a tmpfs
# mounted only inside the host's mount namespace, which the kernel drops with its last process.
set -uo pipefail
. "$(dirname "$0")/common.sh"

mkdir -p "$KSH_ROOT/sets" "$KSH_ROOT/leases"

netns_of_set() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${KSH_NETNS_PREFIX}$1-[0-9]+\$" || true; }
veths_of_set() {
  ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 |
    grep -E "^${KSH_VETH_PREFIX}$1[0-9]+\$" || true
}

kill_netns() {
  local ns=$1 pids p i
  # Holders first (pid 1 of a host's pid namespace): the kernel then kills everything in that
  # namespace, and the holder's own parent (unshare) reaps it and exits. Killing unshare first
  # would orphan the holder to the machine's init, which in containers often never reaps zombies.
  for p in $(ip netns pids "$ns" 2>/dev/null); do
    grep -qE '^NSpid:.*[[:space:]]1$' "/proc/$p/status" 2>/dev/null && kill -KILL "$p" 2>/dev/null
  done
  for i in $(seq 1 150); do
    # Whatever else is in the netns (unshare parents, anything put in with `ip netns exec`):
    # give it a moment to exit on its own, then kill it.
    pids=$(ip netns pids "$ns" 2>/dev/null) || break
    [[ -z "$pids" ]] && break
    (( i > 10 )) && kill -KILL $pids 2>/dev/null
    sleep 0.02
  done
  ip netns del "$ns" 2>/dev/null || true
}

# The hosts' cgroup subtrees (host-init.sh own_sys), deepest first; their processes are dead by now.
rm_cgroups() {
  local id=$1 top i
  for top in $(find /sys/fs/cgroup/ -mindepth 2 -maxdepth 4 -type d -name "${KSH_NETNS_PREFIX}$id-*" 2>/dev/null); do
    for i in 1 2 3 4 5; do
      find "$top" -depth -type d -exec rmdir {} + 2>/dev/null
      [[ -d "$top" ]] || break
      sleep 0.1
    done
  done
}

cleanup_set() {
  local id=$1 ns veth f
  [[ "$id" =~ ^[0-9a-f]+$ ]] || return 0
  for ns in $(netns_of_set "$id"); do kill_netns "$ns" & done
  wait
  # Deleting one end deletes the pair; usually already gone together with the netns.
  for veth in $(veths_of_set "$id"); do ip link del "$veth" 2>/dev/null; done
  for f in "$KSH_ROOT"/leases/*; do
    [[ -f "$f" && "$(cat "$f" 2>/dev/null)" == "$id" ]] && rm -f "$f"
  done
  rm_cgroups "$id"
  rm -rf "${KSH_DISK:?}/$id"        # the hosts' /var/lib/containerd and /var/lib/kubelet
  rm -rf "${KSH_ROOT:?}/sets/$id"   # last: an interrupted cleanup stays discoverable
}

set_is_stale() {
  local dir="$KSH_ROOT/sets/$1"
  [[ -d "$dir" ]] || return 0                       # resources without a registry entry: orphans
  [[ -e "$dir/owner" ]] && { owner_alive "$dir" && return 1 || return 0; }
  # No owner file yet: a set being created right now, unless it has been like that for a minute.
  [[ -n "$(find "$dir" -maxdepth 0 -mmin +1)" ]]
}

all_set_ids() {
  {
    ls "$KSH_ROOT/sets"
    ip netns list 2>/dev/null | awk '{print $1}' | sed -nE "s/^${KSH_NETNS_PREFIX}([0-9a-f]+)-[0-9]+\$/\\1/p"
    cat "$KSH_ROOT"/leases/* 2>/dev/null
    ls "$KSH_DISK" 2>/dev/null   # hosts' disk directories and cgroup subtrees outlive a killed owner
    find /sys/fs/cgroup/ -mindepth 2 -maxdepth 4 -type d -name "${KSH_NETNS_PREFIX}*" -printf '%f\n' 2>/dev/null | sed -nE "s/^${KSH_NETNS_PREFIX}([0-9a-f]+)-[0-9]+\$/\1/p"
  } | sort -u
}

case "${1:-}" in
  --set)
    [[ -n "${2:-}" ]] || { echo "cleanup.sh --set ID" >&2; exit 2; }
    cleanup_set "$2" ;;
  --stale|--all)
    # Serialise sweeps; a set's own teardown (--set) needs no lock because sweeps skip live sets.
    exec 9>"$KSH_ROOT/cleanup.lock"
    flock 9
    for id in $(all_set_ids); do
      if [[ "$1" == --all ]] || set_is_stale "$id"; then cleanup_set "$id"; fi
    done
    if [[ "$1" == --all ]]; then
      ip link del "$KSH_BRIDGE" 2>/dev/null
      rm -rf "${KSH_ROOT:?}"
    fi ;;
  *) echo "usage: cleanup.sh --set ID | --stale | --all" >&2; exit 2 ;;
esac
exit 0
