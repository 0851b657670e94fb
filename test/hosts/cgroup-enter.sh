#!/bin/bash
# cgroup-enter.sh NAME CMD...   (the harness runs it just before `unshare --cgroup ...`)
# Moves this process into a new child NAME of its own cgroup in every cgroup v1 hierarchy this machine
# mounts, then execs CMD. CMD's new cgroup namespace is rooted there, so a test host sees its own subtree
# as "/" in /proc/self/cgroup and in the hierarchies host-init.sh mounts: the kubelet and runc create
# kubepods/... inside it without touching the machine's or other hosts' cgroups. cleanup.sh removes it.
set -euo pipefail
name=$1; shift
while read -r _ _ _ root mnt _ rest; do
  fstype=${rest#*- }; fstype=${fstype%% *}
  [[ "$fstype" == cgroup && "$root" == / ]] || continue
  opts=${rest##* }                                   # super options, e.g. rw,cpu or rw,name=systemd
  own=""
  while IFS=: read -r _ ctls path; do
    for c in ${ctls//,/ }; do [[ ",$opts," == *",$c,"* ]] && own=$path; done
  done < /proc/self/cgroup
  sub="$mnt${own%/}/$name"
  mkdir -p "$sub"
  if [[ ",$opts," == *",cpuset,"* ]]; then   # a new cpuset takes no task until it has cpus and mems
    cat "$mnt${own%/}/cpuset.cpus" > "$sub/cpuset.cpus"
    cat "$mnt${own%/}/cpuset.mems" > "$sub/cpuset.mems"
  fi
  echo $$ > "$sub/cgroup.procs"
done < /proc/self/mountinfo
exec "$@"
