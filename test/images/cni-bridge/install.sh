#!/bin/sh
# Runs in the ksctl.test/cni-bridge DaemonSet (host network, privileged) on every node: installs the real
# CNI plugins (Debian's bridge, host-local, loopback, portmap) into the host's /opt/cni/bin, writes a
# bridge + host-local conflist for the pod CIDR the controller-manager gave this node, and routes the
# other nodes' pod CIDRs to them (all test hosts share one L2 segment), so pods reach each other.
set -eu
: "${NODE_NAME:?NODE_NAME (the downward API's spec.nodeName) is not set}"
for p in /cni/bin/*; do
  cp "$p" "/host/opt/cni/bin/.$(basename "$p").tmp"
  mv -f "/host/opt/cni/bin/.$(basename "$p").tmp" "/host/opt/cni/bin/$(basename "$p")"
done
cidr=""
until [ -n "$cidr" ]; do
  cidr=$(kubectl get node "$NODE_NAME" -o 'jsonpath={.spec.podCIDR}' 2>/dev/null || true)
  [ -n "$cidr" ] || { echo "waiting for $NODE_NAME's podCIDR"; sleep 2; }
done
cat > /host/etc/cni/net.d/.10-bridge.conflist.tmp <<CONF
{
  "cniVersion": "1.0.0",
  "name": "ksctl-bridge",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$cidr" }]], "routes": [{ "dst": "0.0.0.0/0" }] }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
CONF
mv -f /host/etc/cni/net.d/.10-bridge.conflist.tmp /host/etc/cni/net.d/10-bridge.conflist
echo "$NODE_NAME: pods in $cidr"
while :; do
  kubectl get nodes -o 'jsonpath={range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}' 2>/dev/null |
    while read -r name podcidr ip; do
      [ "$name" != "$NODE_NAME" ] && [ -n "$podcidr" ] && [ -n "$ip" ] && ip route replace "$podcidr" via "$ip" 2>/dev/null || true
    done
  sleep 10
done
