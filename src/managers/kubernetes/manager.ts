/**
 * The KubernetesManager of src/managers/kubernetes.ts, through the Kubernetes API: each cluster's
 * kubeconfig comes from its state (the `kubeconfig` secret: for self-managed clusters the admin
 * credentials with the load balancer as server, the cluster's CA inline) and is connected to once per
 * manager. Nothing loads @kubernetes/client-node until the first call.
 */
import { formatClusterId, type ClusterId } from '../../api/types.js';
import { ProviderError } from '../../errors.js';
import type { StateStore } from '../../state/types.js';
import { registerSecret } from '../../util/redact.js';
import { KUBECONFIG_SECRET } from '../ksctl.js';
import type { KubernetesManager } from '../kubernetes.js';
import { ClusterApi } from './cluster-api.js';
import type { DrainOptions, DrainResult, NodeInfo, NodeMetadata, OnboardingWant } from './types.js';

export class ApiKubernetesManager implements KubernetesManager {
  private readonly clusters = new Map<string, Promise<ClusterApi>>();

  constructor(private readonly deps: { store: Pick<StateStore, 'secrets'> }) {}

  /** The cluster's API connection, made on first use. */
  cluster(id: ClusterId): Promise<ClusterApi> {
    const key = formatClusterId(id);
    let api = this.clusters.get(key);
    if (!api) {
      api = (async () => {
        const text = await this.deps.store.secrets(id).get(KUBECONFIG_SECRET);
        if (!text)
          throw new ProviderError(`cluster ${key} has no kubeconfig in its state yet`, {
            hint: 're-run `ksctl create cluster` to finish it',
          });
        registerSecret(text); // its key and token lines never reach a message
        return ClusterApi.fromKubeconfig(text);
      })();
      api.catch(() => this.clusters.delete(key));
      this.clusters.set(key, api);
    }
    return api;
  }

  async nodes(id: ClusterId, labelSelector?: string): Promise<NodeInfo[]> {
    return (await this.cluster(id)).nodes(labelSelector);
  }
  async cordon(id: ClusterId, node: string): Promise<NodeInfo> {
    return (await this.cluster(id)).cordon(node);
  }
  async uncordon(id: ClusterId, node: string): Promise<NodeInfo> {
    return (await this.cluster(id)).uncordon(node);
  }
  async setNodeMetadata(id: ClusterId, node: string, want: NodeMetadata, previous?: NodeMetadata): Promise<NodeInfo> {
    return (await this.cluster(id)).setNodeMetadata(node, want, previous);
  }
  async drain(id: ClusterId, node: string, opts: DrainOptions): Promise<DrainResult> {
    return (await this.cluster(id)).drain(node, opts);
  }
  async drainNodes(
    id: ClusterId,
    nodes: string[],
    opts: DrainOptions & { concurrency?: number },
  ): Promise<DrainResult[]> {
    return (await this.cluster(id)).drainNodes(nodes, opts);
  }
  async deleteNode(id: ClusterId, node: string): Promise<boolean> {
    return (await this.cluster(id)).deleteNode(node);
  }
  async waitOnboarded(
    id: ClusterId,
    node: string,
    want: OnboardingWant,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<NodeInfo> {
    return (await this.cluster(id)).waitOnboarded(node, want, timeoutMs, signal);
  }

  /** Closes every connection (idle keep-alive sockets would otherwise hold the process open briefly). */
  async close(): Promise<void> {
    const all = [...this.clusters.values()];
    this.clusters.clear();
    for (const p of all) (await p.catch(() => undefined))?.close();
  }
}
