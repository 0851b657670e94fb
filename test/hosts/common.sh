# Shared constants and helpers for the test-host shell scripts (sourced, not run).
# Keep the constants in sync with test/hosts/layout.ts.

KSH_ROOT=/run/ksctl-test-hosts          # registry: sets/<id>/{owner,hosts/<netns>}, leases/<ip>
KSH_BRIDGE=kshbr0                       # private bridge in the root namespace
KSH_NET=10.199.77                       # /24 unlikely to clash with clouds, Docker, k3s or kubeadm defaults
KSH_GATEWAY="$KSH_NET.1"
KSH_BRIDGE_MAC=02:6b:73:68:00:01        # fixed so hosts' ARP entries for .1 never go stale
KSH_NETNS_PREFIX=ksh-                   # netns names: ksh-<setid>-<i>
KSH_VETH_PREFIX=kshv                    # root-side veth names: kshv<setid><i>
KSH_DISK=/var/lib/ksctl-test-hosts      # on the real disk: <setid>/<netns>/{containerd,kubelet} per host

# owner_alive DIR: true when the process recorded in DIR/owner ("pid starttime") still runs.
# The start time guards against pid reuse after a crash.
owner_alive() {
  local pid start cur
  [[ -r "$1/owner" ]] || return 1
  read -r pid start < "$1/owner" || return 1
  [[ -r /proc/$pid/stat ]] || return 1
  cur=$(sed -E 's/^.*\) //' "/proc/$pid/stat" | cut -d' ' -f20) || return 1
  [[ "$cur" == "$start" ]]
}
