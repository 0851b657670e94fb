/**
 * ClusterApi: every operation ksctl performs through one cluster's API, on one connection (client.ts).
 * Built from a kubeconfig's text; KubernetesManager (manager.ts) builds one per cluster from state.
 */
import { connect, type ConnectOptions, type KubeClient } from './client.js';
import { drainNode, drainNodes } from './drain.js';
import { deleteNode, listNodes, readNode, setNodeMetadata, setUnschedulable } from './nodes.js';
import { waitOnboarded } from './onboarding.js';
import type { DrainOptions, DrainResult, NodeInfo, NodeMetadata, OnboardingWant } from './types.js';

export class ClusterApi {
  private constructor(private readonly client: KubeClient) {}

  /** Connects lazily (client-node loads here); refuses kubeconfigs that skip TLS verification. */
  static async fromKubeconfig(text: string, opts: ConnectOptions = {}): Promise<ClusterApi> {
    return new ClusterApi(await connect(text, opts));
  }

  get server(): string {
    return this.client.server;
  }

  /** Nodes with their Ready condition, labels, taints, providerID, kubelet version, cordon, creation time. */
  nodes(labelSelector?: string): Promise<NodeInfo[]> {
    return listNodes(this.client, labelSelector);
  }

  node(name: string): Promise<NodeInfo | undefined> {
    return readNode(this.client, name);
  }

  cordon(name: string): Promise<NodeInfo> {
    return setUnschedulable(this.client, name, true);
  }

  uncordon(name: string): Promise<NodeInfo> {
    return setUnschedulable(this.client, name, false);
  }

  /** A pool's labels and taints on a node; `previous` (the pool before an edit) says what to take off. */
  setNodeMetadata(name: string, want: NodeMetadata, previous?: NodeMetadata): Promise<NodeInfo> {
    return setNodeMetadata(this.client, name, want, previous);
  }

  /** Cordon and drain through the Eviction API (see drain.ts for what is evicted, skipped, refused). */
  drain(name: string, opts: DrainOptions): Promise<DrainResult> {
    return drainNode(this.client, name, opts);
  }

  /** Cordon all, then drain `concurrency` at a time (default 4). */
  drainNodes(names: string[], opts: DrainOptions & { concurrency?: number }): Promise<DrainResult[]> {
    return drainNodes(this.client, names, opts);
  }

  /** Deletes the Node object; false when it was already gone. */
  deleteNode(name: string): Promise<boolean> {
    return deleteNode(this.client, name);
  }

  /** Waits until the node is Ready, has a providerID and the asked labels and taints (OnboardingError otherwise). */
  waitOnboarded(name: string, want: OnboardingWant, timeoutMs: number, signal?: AbortSignal): Promise<NodeInfo> {
    return waitOnboarded(this.client, name, want, timeoutMs, signal);
  }

  close(): void {
    this.client.close();
  }
}
