/**
 * KubernetesManager: talks to a cluster's API (not to a cloud), for day-2 work that needs the
 * cluster's own view — node health for remediation, draining, upgrades, etcd backups. Only the
 * interface exists so far; the self-managed worker removal drains through kubectl on control plane 0
 * (src/managers/selfmanaged/remove-worker.ts) until this is implemented with @kubernetes/client-node 1.4.x
 * (2.x does not load on Node 20).
 */
import type { ClusterId } from '../api/types.js';

export interface NodeHealth {
  name: string;
  ready: boolean;
  /** Seconds the node has been NotReady (or never Ready since it registered). */
  unhealthyForSeconds: number;
  roles: string[];
}

export interface KubernetesManager {
  /** Nodes and their Ready condition, as the API server reports them. */
  nodes(id: ClusterId): Promise<NodeHealth[]>;
  /** Cordon and evict every pod (daemon sets excepted), bounded by `timeoutSeconds`. */
  drain(id: ClusterId, node: string, timeoutSeconds: number): Promise<void>;
  /** Remove a Node object (the machine behind it is the cloud layer's business). */
  deleteNode(id: ClusterId, node: string): Promise<void>;
}
