/**
 * Node operations through the API: list, read, cordon/uncordon, a pool's labels and taints, delete.
 * Writes are JSON merge patches carrying the resourceVersion they were computed from, so a concurrent
 * writer (the kubelet's status, the node lifecycle controller's taints) makes the API answer 409 and the
 * patch is recomputed from a fresh read instead of overwriting theirs.
 */
import type { KubeClient } from './client.js';
import { isNotFound, KubernetesApiError } from './errors.js';
import { nodeMetadataPatch, toNodeInfo, type RawNode } from './node-view.js';
import type { NodeInfo, NodeMetadata } from './types.js';

const CONFLICT_RETRIES = 5;

/** Every node (or those matching a label selector, e.g. `ksctl.io/pool=web`). */
export async function listNodes(c: KubeClient, labelSelector?: string): Promise<NodeInfo[]> {
  const list = await c.call('list nodes', (core) => core.listNode(labelSelector ? { labelSelector } : {}));
  return list.items.map((n) => toNodeInfo(n as RawNode));
}

/** One node as raw API object (for its resourceVersion); undefined when it does not exist. */
async function readRaw(c: KubeClient, name: string): Promise<RawNode | undefined> {
  try {
    return await c.call(`read node ${name}`, (core) => core.readNode({ name }));
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export async function readNode(c: KubeClient, name: string): Promise<NodeInfo | undefined> {
  const raw = await readRaw(c, name);
  return raw && toNodeInfo(raw);
}

/**
 * Reads the node, asks `change` for a patch (undefined: nothing to do) and sends it with the read's
 * resourceVersion; on 409 (someone wrote in between) reads again. Throws NOT_FOUND-ish KubernetesApiError
 * (status 404) when the node does not exist.
 */
async function patchWithRetry(
  c: KubeClient,
  name: string,
  what: string,
  change: (n: NodeInfo) => object | undefined,
): Promise<NodeInfo> {
  for (let attempt = 0; ; attempt++) {
    const raw = await readRaw(c, name);
    if (!raw) throw new KubernetesApiError(`${what}: node ${name} does not exist`, 404);
    const node = toNodeInfo(raw);
    const patch = change(node);
    if (!patch) return node;
    const p = patch as { metadata?: object };
    const body = { ...patch, metadata: { ...(p.metadata ?? {}), resourceVersion: raw.metadata?.resourceVersion } };
    try {
      const out = await c.call(what, (core) => core.patchNode({ name, body }, c.mergePatch));
      return toNodeInfo(out);
    } catch (e) {
      if (e instanceof KubernetesApiError && e.status === 409 && attempt < CONFLICT_RETRIES) continue;
      throw e;
    }
  }
}

/** Marks the node unschedulable (cordon) or schedulable again (uncordon); a no-op when it already is. */
export function setUnschedulable(c: KubeClient, name: string, unschedulable: boolean): Promise<NodeInfo> {
  const what = `${unschedulable ? 'cordon' : 'uncordon'} node ${name}`;
  return patchWithRetry(c, name, what, (n) =>
    n.unschedulable === unschedulable ? undefined : { spec: { unschedulable } },
  );
}

/** Gives the node a pool's labels and taints, removing those the pool had before (see nodeMetadataPatch). */
export function setNodeMetadata(
  c: KubeClient,
  name: string,
  want: NodeMetadata,
  previous?: NodeMetadata,
): Promise<NodeInfo> {
  return patchWithRetry(c, name, `set labels and taints of node ${name}`, (n) => nodeMetadataPatch(n, want, previous));
}

/** Deletes the Node object; true if it existed. The machine behind it is the cloud layer's business. */
export async function deleteNode(c: KubeClient, name: string): Promise<boolean> {
  try {
    await c.call(`delete node ${name}`, (core) => core.deleteNode({ name }));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
