/**
 * Removing a worker's Node through the API, for the self-managed worker removal and a pool's
 * scale-down (in place of `kubectl drain` over SSH on control plane 0): cordon, drain through the
 * Eviction API, delete the Node. A node that never registered, or is already gone, is fine: there is
 * nothing to drain, so a re-run after a crash anywhere converges.
 */
import type { ClusterId } from '../../api/types.js';
import type { SecretStore } from '../../state/types.js';
import type { KubernetesManager } from '../kubernetes.js';
import type { ClusterApi } from './cluster-api.js';
import { isNotFound } from './errors.js';
import { withClusterApi } from './from-secrets.js';
import type { DrainOptions, DrainResult } from './types.js';

export interface RemovedNode {
  /** False when no Node of that name existed (never registered, or removed by an earlier run). */
  existed: boolean;
  drain?: DrainResult;
}

/** What removing a node needs of the API (a ClusterApi, or a KubernetesManager's view of one cluster). */
export type NodeRemovalApi = Pick<ClusterApi, 'node' | 'drain' | 'deleteNode'>;

export async function drainAndDeleteNode(api: NodeRemovalApi, name: string, opts: DrainOptions): Promise<RemovedNode> {
  if (!(await api.node(name))) return { existed: false };
  let drain: DrainResult;
  try {
    drain = await api.drain(name, opts);
  } catch (e) {
    if (isNotFound(e)) return { existed: false }; // deleted by someone else meanwhile
    throw e;
  }
  await api.deleteNode(name);
  return { existed: true, drain };
}

/**
 * The same from a cluster's secrets (a step's `ctx.cluster.secrets`): connects through the kubeconfig in
 * state (self-managed: the load balancer, the cluster's CA), removes the node, closes the connection.
 */
export function drainAndDeleteWorker(
  secrets: Pick<SecretStore, 'get'>,
  name: string,
  opts: DrainOptions,
): Promise<RemovedNode> {
  return withClusterApi(secrets, `remove node ${name}`, (api) => drainAndDeleteNode(api, name, opts));
}

/**
 * The same through a KubernetesManager the caller already holds (an upgrade's, which a test or a
 * benchmark replaces by a stand-in), for cluster `id`.
 */
export function drainAndDeleteThrough(
  kube: Pick<KubernetesManager, 'nodes' | 'drain' | 'deleteNode'>,
  id: ClusterId,
  name: string,
  opts: DrainOptions,
): Promise<RemovedNode> {
  return drainAndDeleteNode(
    {
      node: async (n) => (await kube.nodes(id)).find((x) => x.name === n),
      drain: (n, o) => kube.drain(id, n, o),
      deleteNode: (n) => kube.deleteNode(id, n),
    },
    name,
    opts,
  );
}
