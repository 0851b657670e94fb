/**
 * KubernetesManager: talks to a cluster's API (not to a cloud), for day-2 work that needs the
 * cluster's own view — nodes and their health, cordon, drain through the Eviction API, a pool's labels
 * and taints, the onboarding check of a new node, deleting a Node. Implemented with
 * @kubernetes/client-node 1.4.x (2.x does not load on Node 20) in src/managers/kubernetes/, which loads
 * that package only on the first call. Drain semantics: docs/draining.md.
 */
import type { ClusterId } from '../api/types.js';
import type { StateStore } from '../state/types.js';
import type { ApiKubernetesManager } from './kubernetes/manager.js';
import type { DrainOptions, DrainResult, NodeInfo, NodeMetadata, OnboardingWant } from './kubernetes/types.js';

export type {
  DrainOptions,
  DrainResult,
  NodeInfo,
  NodeMetadata,
  OnboardingWant,
  Taint,
  TaintEffect,
} from './kubernetes/types.js';

export interface KubernetesManager {
  /** Nodes (optionally those matching a label selector) as the API server reports them. */
  nodes(id: ClusterId, labelSelector?: string): Promise<NodeInfo[]>;
  cordon(id: ClusterId, node: string): Promise<NodeInfo>;
  uncordon(id: ClusterId, node: string): Promise<NodeInfo>;
  /** Give a node its pool's labels and taints; `previous` (the pool before an edit) says what to remove. */
  setNodeMetadata(id: ClusterId, node: string, want: NodeMetadata, previous?: NodeMetadata): Promise<NodeInfo>;
  /** Cordon and evict every pod (DaemonSet and mirror pods excepted), PodDisruptionBudgets honoured until `timeoutMs`. */
  drain(id: ClusterId, node: string, opts: DrainOptions): Promise<DrainResult>;
  /** Cordon all the nodes first, then drain them a few at a time. */
  drainNodes(id: ClusterId, nodes: string[], opts: DrainOptions & { concurrency?: number }): Promise<DrainResult[]>;
  /** Remove a Node object (the machine behind it is the cloud layer's business); false if it was gone. */
  deleteNode(id: ClusterId, node: string): Promise<boolean>;
  /** Wait until a node is Ready, has a providerID and the labels and taints asked for. */
  waitOnboarded(
    id: ClusterId,
    node: string,
    want: OnboardingWant,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<NodeInfo>;
}

/** The API-backed manager; `await import()`ed so commands that never talk to a cluster never load it. */
export async function kubernetesManager(deps: { store: Pick<StateStore, 'secrets'> }): Promise<ApiKubernetesManager> {
  return new (await import('./kubernetes/manager.js')).ApiKubernetesManager(deps);
}
