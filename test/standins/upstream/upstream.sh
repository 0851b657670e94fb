#!/bin/sh
# TEST STAND-IN (not part of any upstream tool) for the release feeds the installers read over the
# network, which test hosts cannot reach. It answers from releases.txt (or $STANDIN_UPSTREAM_RELEASES):
#   upstream.sh k3s-channel <channel>  the release https://update.k3s.io/v1-release/channels/<channel>
#                                      redirects to: `stable` the pinned one, `latest` the newest,
#                                      `vX.Y` the newest vX.Y.* (pre-releases excluded, as channel.yaml's
#                                      excludeRegexp ^[^+]+- does); unknown channel: exit 1
#   upstream.sh kubernetes-repo <X.Y>  the newest package version in pkgs.k8s.io/core:/stable:/vX.Y/deb/
#                                      (the per-minor repository holds only that minor's releases)
set -e
here=$(cd "$(dirname "$0")" && pwd)
releases=${STANDIN_UPSTREAM_RELEASES:-$here/releases.txt}
feed() { awk -v f="$1" '$1 == f { print $2 }' "$releases"; }
final() { grep -v -E '^[^+]+-' || true; }
newest() { sort -V | tail -n 1; }
case "$1" in
    k3s-channel)
        case "$2" in
            stable) v=$(feed k3s-stable | newest) ;;
            latest) v=$(feed k3s | final | newest) ;;
            v[0-9]*.[0-9]*) v=$(feed k3s | final | grep "^$2\." | newest) ;;
            *) v= ;;
        esac ;;
    kubernetes-repo) v=$(feed kubernetes | final | grep "^v$2\." | newest) ;;
    *) echo "usage: upstream.sh k3s-channel <channel> | kubernetes-repo <X.Y>" >&2; exit 2 ;;
esac
[ -n "$v" ] || { echo "upstream stand-in: nothing released for $1 $2" >&2; exit 1; }
echo "$v"
