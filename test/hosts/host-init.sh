#!/bin/bash
# Runs INSIDE a test host.
#   host-init.sh init DIR   pid 1 of the host's fresh mount+uts+pid namespaces (already in its netns):
#                           builds the host's private filesystem view from DIR/in, boots it, prints
#                           "READY <pid of this process in the root pid namespace>", then stays
#                           alive as the holder that keeps the namespaces alive and reaps orphans.
#   host-init.sh boot       (via nsenter) start sshd and the units enabled with the systemctl stand-in
#   host-init.sh halt       (via nsenter) kill every process except the holder, wipe /run and /tmp
set -Eeuo pipefail   # -E: the ERR trap below fires inside functions too
# A failed command must say where: the harness reports stderr when init exits before READY.
trap 'echo "host-init: line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR

SELF_DIR=/usr/local/lib/ksctl-test-host   # where init copies this script and the stand-in
KSH_DISK=/var/lib/ksctl-test-hosts        # keep in sync with common.sh
OVERLAID=(etc var usr opt srv)   # copy-on-write views of the real directories (/usr too: air-gapped installs put etcd and dpkg packages there)
FRESH=(root home)                        # start empty like a new VM: no dotfiles or keys leak in
KSCTLPW_HASH='$6$kshtesthosts$LkOjgBE2R95wwtDS3BlKVi3bAoo0VCFh3ffdp0tjp/oUCxRCRfRGdu33/eZmaRd/kUJRDWjp8whR6l4AvRxb7.'

init() {
  local dir=$1 src_dir in hostpid="" key val
  src_dir=$(cd "$(dirname "$0")" && pwd)
  in="$dir/in"
  cd /
  # /proc is still the root namespace's procfs here, so /proc/self/status shows our root-ns pid,
  # which is what nsenter -t needs. Read it with a redirect (no subshell) before /proc is replaced.
  while read -r key val _; do [[ "$key" == NSpid: ]] && hostpid=$val; done < /proc/self/status

  # Upper/work dirs on a tmpfs that exists only in this mount namespace: the kernel frees it with
  # the namespace, so a killed host can never leave overlay mounts or upper dirs behind.
  mount -t tmpfs -o mode=0755,size=4g ksh-upper "$dir/mnt"
  # The checkout must stay visible on the host (the stand-ins run from it) wherever it was cloned:
  # under /tmp, /run, /root or /home it would vanish behind the fresh mounts below, so park a bind
  # mount of it on /mnt (this namespace only) and move it back into place afterwards.
  local repo=${KSH_REPO:-} staged=""
  if [[ -n "$repo" && "$repo" =~ ^/(tmp|run|root|home|dev/shm)(/|$) ]]; then
    mount --bind "$repo" /mnt
    staged=yes
  fi
  node_dirs "$dir" stage               # before /var is overlaid: the disk directories are under /var
  local d u
  for d in "${OVERLAID[@]}"; do
    [[ -d "/$d" && ! -L "/$d" ]] || continue
    u="$dir/mnt/${d//\//_}"
    mkdir -p "$u/upper" "$u/work"
    mount -t overlay "ksh-$d" -o "lowerdir=/$d,upperdir=$u/upper,workdir=$u/work" "/$d"
  done
  for d in "${FRESH[@]}"; do
    mkdir -p "$dir/mnt/fresh-$d"
    mount --bind "$dir/mnt/fresh-$d" "/$d"
  done
  cp -a /etc/skel/. /root/
  chmod 0700 /root
  node_dirs "$dir" place
  # Copy the inputs now: they live under /run, which the tmpfs below hides.
  mkdir -p "$SELF_DIR" /etc/ssh
  install -m 0755 "$src_dir/host-init.sh" "$SELF_DIR/host-init.sh"
  install -m 0755 "$src_dir/systemctl-standin" /usr/local/bin/systemctl
  rm -f /etc/ssh/ssh_host_*
  # Units the real machine enables (its etcd, haproxy, ...) must not boot on a fresh test host.
  rm -rf /etc/systemd/system/*.wants
  install -m 0600 "$in/ssh_host_ed25519_key" /etc/ssh/ssh_host_ed25519_key
  install -m 0644 "$in/ssh_host_ed25519_key.pub" /etc/ssh/ssh_host_ed25519_key.pub
  install -m 0644 "$in/hosts" /etc/hosts
  install -m 0644 "$in/hostname" /etc/hostname
  local authorized; authorized=$(cat "$in/authorized_keys")

  own_sys
  mount -t tmpfs -o mode=0755 ksh-run /run
  mount -t tmpfs -o mode=1777 ksh-tmp /tmp
  mount -t tmpfs -o mode=1777 ksh-shm /dev/shm
  mount -t proc ksh-proc /proc         # ps/pgrep inside the host see only its processes
  if [[ -n "$staged" ]]; then
    mkdir -p "$repo"
    mount --move /mnt "$repo"
    mount -o remount,bind,ro "$repo"   # read-only like the rest of the shared filesystem
  fi
  # Everything not overlaid (/usr, /bin, the repo, ...) is shared with the real machine: make it
  # read-only in this namespace so a stray write by a bootstrap script fails instead of leaking.
  mount -o remount,bind,ro / || echo "host-init: warning: could not make / read-only" >&2

  cat /etc/hostname > /proc/sys/kernel/hostname
  add_users "$authorized"
  write_sshd_config
  boot
  echo "READY $hostpid"
  exec >/dev/null 2>&1 </dev/null
  hold
}

# Kubernetes nodes (real containerd + kubelet): containerd's overlayfs snapshots cannot live on the
# host's overlay /var (an overlay upper dir cannot be on overlayfs), so /var/lib/containerd and
# /var/lib/kubelet are directories on the real disk, like a VM's own disk. cleanup.sh removes them.
node_dirs() {
  local dir=$1 step=$2 disk d
  disk="$KSH_DISK/$(basename "$(dirname "$(dirname "$dir")")")/$(basename "$dir")"
  for d in containerd kubelet; do
    if [[ "$step" == stage ]]; then
      mkdir -p "$disk/$d" "$dir/mnt/disk-$d"
      mount --bind "$disk/$d" "$dir/mnt/disk-$d"
    else
      mkdir -p "/var/lib/$d"
      mount --move "$dir/mnt/disk-$d" "/var/lib/$d"
    fi
  done
}

# The host's own sysfs (/sys/class/net shows its interfaces) and, under /sys/fs/cgroup, the cgroup v1
# hierarchies the machine mounts there, mounted afresh: in the host's cgroup namespace (cgroup-enter.sh)
# each shows the host's own subtree as its root, as on a machine of its own. cgroup2 (the hybrid
# "unified" mount) is left out: the hosts are cgroup v1 machines, like the one they run on.
own_sys() {
  local mnt rest fstype opts ctls m
  local -a mounts=()
  while read -r _ _ _ _ mnt _ rest; do
    fstype=${rest#*- }; fstype=${fstype%% *}
    [[ "$fstype" == cgroup && "$mnt" == /sys/fs/cgroup/* ]] || continue
    opts=${rest##* }
    ctls=$(tr ',' '\n' <<< "$opts" | grep -vxE 'rw|ro|relatime|noatime|nosuid|nodev|noexec|clone_children|xattr' | paste -sd, -)
    mounts+=("${mnt##*/}:$ctls")
  done < /proc/self/mountinfo
  mount -t sysfs ksh-sys /sys
  [[ ${#mounts[@]} -gt 0 ]] || return 0
  mount -t tmpfs -o mode=0755 ksh-cgroup /sys/fs/cgroup
  for m in "${mounts[@]}"; do
    mkdir -p "/sys/fs/cgroup/${m%%:*}"
    case "${m#*:}" in
      name=*) mount -t cgroup -o "none,${m#*:}" cgroup "/sys/fs/cgroup/${m%%:*}" ;;
      *) mount -t cgroup -o "${m#*:}" cgroup "/sys/fs/cgroup/${m%%:*}" ;;
    esac
  done
}

add_users() {
  local authorized=$1 user home
  # Users exist only in this host's overlay /etc (the real machine's /etc is the read-only lower).
  # ksctl: password "*" = none, but not locked ("!"), so sshd (UsePAM no) still accepts its key.
  # ksctlpw: password "ksctl-sudo-pw" (precomputed: openssl passwd -6 -salt kshtesthosts ...,
  # which saves a chpasswd run per host).
  id ksctl >/dev/null 2>&1 || useradd -m -s /bin/bash -p '*' ksctl
  id ksctlpw >/dev/null 2>&1 || useradd -m -s /bin/bash -p "$KSCTLPW_HASH" ksctlpw
  mkdir -p /etc/sudoers.d
  echo 'ksctl ALL=(ALL:ALL) NOPASSWD:ALL' > /etc/sudoers.d/ksctl
  echo 'ksctlpw ALL=(ALL:ALL) ALL' > /etc/sudoers.d/ksctlpw
  chmod 0440 /etc/sudoers.d/ksctl /etc/sudoers.d/ksctlpw
  for user in root ksctl ksctlpw; do
    home=$(getent passwd "$user" | cut -d: -f6)
    install -d -m 0700 -o "$user" -g "$user" "$home/.ssh"
    printf '%s\n' "$authorized" > "$home/.ssh/authorized_keys"
    chown "$user:$user" "$home/.ssh/authorized_keys"
    chmod 0600 "$home/.ssh/authorized_keys"
  done
}

write_sshd_config() {
  # sshd's compiled-in session PATH already starts with /usr/local/bin (root: /usr/local/sbin),
  # so the systemctl stand-in in /usr/local/bin wins over anything in /usr/bin.
  cat > /etc/ssh/sshd_config <<'EOF'
# sshd for a ksctl test host (written by test/hosts/host-init.sh)
Port 22
AddressFamily inet
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
# No PAM: pam_loginuid/pam_systemd cannot work without systemd and audit in a namespace.
UsePAM no
UseDNS no
PrintMotd no
PidFile /run/sshd.pid
# The bootstrap pipeline opens several sessions per host at once.
MaxStartups 100:30:200
MaxSessions 100
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
# Last, so a snippet added by a script can add options but not override the ones above.
Include /etc/ssh/sshd_config.d/*.conf
EOF
}

boot() {
  mkdir -p /run/sshd /run/lock
  chmod 0755 /run/sshd
  /usr/sbin/sshd -f /etc/ssh/sshd_config -E /var/log/sshd.log
  /usr/local/bin/systemctl --standin-boot
}

hold() {
  # pid 1 of a pid namespace ignores signals it has no handler for; teardown uses SIGKILL.
  # Orphaned daemons are re-parented to us: bash reaps any child when SIGCHLD interrupts wait,
  # so they never linger as zombies (which `kill -0` would still report as running).
  while :; do sleep 3600 & wait $! || true; done
}

others_alive() {
  local f state ppid comm pid rest
  for f in /proc/[0-9]*/stat; do
    pid=${f#/proc/}; pid=${pid%/stat}
    [[ "$pid" == 1 || "$pid" == "$$" ]] && continue
    read -r rest < "$f" 2>/dev/null || continue
    comm=${rest#*(}; comm=${comm%)*}
    read -r state ppid _ <<< "${rest##*) }"
    [[ "$state" == Z ]] && continue
    [[ "$ppid" == 1 && "$comm" == sleep ]] && continue   # the holder's own sleep
    return 0
  done
  return 1
}

halt() {
  # Refuse to run anywhere but inside a test host: kill -1 in the root pid namespace would be fatal.
  [[ "$(tr '\0' ' ' < /proc/1/cmdline)" == *host-init.sh\ init* ]] || {
    echo "host-init.sh halt: not inside a test host" >&2; exit 1; }
  kill -KILL -1 2>/dev/null || true   # everything but pid 1 (holder) and this shell
  local i
  for i in $(seq 1 200); do others_alive || break; sleep 0.01; done
  # Power-off semantics: /run and /tmp are tmpfs on a real machine, so they come back empty.
  # -xdev: never descend into other mounts (the checkout may be bind-mounted under /tmp).
  find /run /tmp /dev/shm -xdev -mindepth 1 -delete 2>/dev/null || true
}

case "${1:-}" in
  init) init "$2" ;;
  boot) boot ;;
  halt) halt ;;
  *) echo "usage: host-init.sh init DIR | boot | halt" >&2; exit 2 ;;
esac
