/**
 * A backup restored onto a fresh cluster carries the source cluster's Node objects (and their
 * heartbeat Leases). They name machines that are not this cluster's: a kubelet of the new cluster
 * registering under the same name would adopt an object with the old machine's providerID, and the
 * others would stay NotReady forever. So they are deleted from the restored store before any API
 * server of the new cluster starts (nothing watches yet); Pods bound to them are then removed by the
 * pod garbage collector and their controllers recreate them on this cluster's nodes.
 */
import { HOST_STATE_DIR, httpsUrl, makeScript } from './common.js';
import { ETCD_CLIENT_PORT, ETCD_PKI_DIR } from './etcd.js';
import type { Script } from './types.js';

/** etcd keys of Node objects and node heartbeat Leases (the API server's default `/registry` prefix). */
export const SOURCE_NODE_PREFIXES = ['/registry/minions/', '/registry/leases/kube-node-lease/'] as const;

/** On an etcd member, against its own loopback client URL; prints `forgot-nodes <count>`. */
export function forgetSourceNodesScript(tag: string): Script {
  const ctl = `etcdctl --endpoints=${httpsUrl('127.0.0.1', ETCD_CLIENT_PORT)} --cacert=${ETCD_PKI_DIR}/ca.crt --cert=${ETCD_PKI_DIR}/server.crt --key=${ETCD_PKI_DIR}/server.key --dial-timeout=3s --command-timeout=10s`;
  const marker = `${HOST_STATE_DIR}/restore/forget-nodes-${tag}.done`;
  return makeScript({
    name: 'forget-source-nodes',
    description: "delete the source cluster's Node objects from the restored etcd",
    body: [
      `if [ -e ${marker} ]; then log "source nodes already forgotten"; exit 0; fi`,
      `ensure_dir ${HOST_STATE_DIR}/restore 0700`,
      `nodes=$(${ctl} get ${SOURCE_NODE_PREFIXES[0]} --prefix --keys-only | grep -c . || true)`,
      ...SOURCE_NODE_PREFIXES.map((p) => `${ctl} del ${p} --prefix >/dev/null`),
      `touch ${marker}`,
      'echo "forgot-nodes $nodes"',
    ],
  });
}
