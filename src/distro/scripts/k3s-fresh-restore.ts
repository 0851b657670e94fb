/**
 * A k3s embedded-etcd backup restored onto NEW servers (docs/backups.md, "Restore onto a fresh
 * cluster"): the restored store holds the source cluster's Node objects and node Leases. With external
 * etcd ksctl deletes them in etcd before any API server starts (fresh-restore.ts); here the store lives
 * inside k3s, which neither ships etcdctl nor runs its etcd without starting the API server and the
 * server's own kubelet, so they are deleted through the API once the restored first server is up, and
 * before any other node joins (the plan gates every join on this step). Each one's node-password
 * Secret goes too: k3s would refuse a new machine registering under that name with another password.
 *
 * A Node is the source's when its name and providerID are not one of this cluster's machines. A
 * kubelet that registers under a name the source used adopts the old object (it keeps the old
 * providerID): when that is the first server's own, its Node is deleted too and k3s restarted, so the
 * kubelet registers it afresh with this machine's providerID.
 */
import { HOST_STATE_DIR, makeScript, shellQuote } from './common.js';
import { K3S_BIN, K3S_KUBECONFIG_PATH } from './k3s.js';
import type { Script } from './types.js';

export interface KeptNode {
  name: string;
  providerId: string;
}

/** On the restored first server (`self`); prints `forgot-nodes <count>`. A marker makes a re-run skip it. */
export function k3sForgetSourceNodesScript(tag: string, self: KeptNode, keep: KeptNode[]): Script {
  const marker = `${HOST_STATE_DIR}/restore/k3s-forget-nodes-${tag}.done`;
  const kc = `${K3S_BIN} kubectl --kubeconfig ${K3S_KUBECONFIG_PATH} --request-timeout=30s`;
  const kept = keep.map((k) => `${k.name} ${k.providerId}`).join('\n');
  const ownId = `${kc} get node ${shellQuote(self.name)} -o jsonpath='{.spec.providerID}'`;
  return makeScript({
    name: 'k3s-forget-source-nodes',
    description: "delete the source cluster's Node objects and Leases through the API",
    body: [
      `if [ -e ${marker} ]; then log "source nodes already forgotten"; exit 0; fi`,
      `ensure_dir ${HOST_STATE_DIR}/restore 0700`,
      `kept=${shellQuote(kept)}`,
      `list=$(${kc} get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.spec.providerID}{"\\n"}{end}') || die "cannot list the nodes"`,
      `own_id_is_ours() { [ "$(${ownId})" = ${shellQuote(self.providerId)} ]; }`,
      'n=0; restart=0',
      'while read -r name pid; do',
      '  [ -n "$name" ] || continue',
      // A whole-line match in bash (no `printf | grep -q`: under pipefail a SIGPIPE'd printf reads "not kept").
      `  if [[ $'\\n'"$kept"$'\\n' == *$'\\n'"$name $pid"$'\\n'* ]]; then continue; fi`,
      `  ${kc} delete node "$name" --ignore-not-found </dev/null >&2 || die "cannot delete node $name"`,
      `  ${kc} -n kube-node-lease delete lease "$name" --ignore-not-found </dev/null >&2 || die "cannot delete lease $name"`,
      // k3s keeps each node's password hash in a Secret; a new machine of an old name has another one.
      `  ${kc} -n kube-system delete secret "$name.node-password.k3s" --ignore-not-found </dev/null >&2 || die "cannot delete the node password of $name"`,
      '  n=$((n + 1))',
      `  if [ "$name" = ${shellQuote(self.name)} ]; then restart=1; fi`,
      'done <<EOF_NODES',
      '$list',
      'EOF_NODES',
      'if [ "$restart" = 1 ]; then',
      `  log "${self.name} had adopted the source's Node object: restarting k3s to register it afresh"`,
      '  systemctl restart k3s',
      `  wait_for 600 3 "${self.name} registered with its own providerID" own_id_is_ours`,
      'fi',
      `touch ${marker}`,
      'echo "forgot-nodes $n"',
    ],
  });
}
