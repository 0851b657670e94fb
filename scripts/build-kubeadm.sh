#!/usr/bin/env bash
# Kept for callers that only need kubeadm: scripts/build-kubernetes.sh builds it (with the other components).
exec bash "$(dirname "$0")/build-kubernetes.sh" kubeadm
