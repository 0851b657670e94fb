/**
 * Each node pool's desired and ready node counts for `get cluster`: desired from the spec in state,
 * ready from the cluster's API (one list of nodes, grouped by pool). The API answers within a short
 * bound or the counts are "unknown": `get` never fails, and never waits long, for a cluster it cannot
 * reach.
 */
import { POOL_LABEL } from '../api/validate-pools.js';
import type { ClusterSpec, Provider } from '../api/types.js';
import type { NodeInfo } from './kubernetes.js';

/**
 * The label each managed cloud puts on its pools' nodes, for nodes without ksctl's own ksctl.io/pool
 * (which ksctl sets on every pool it creates, managed ones included). Their value is the cloud's pool
 * name, which is the ksctl pool's name on EKS and GKE (AKS may have shortened it).
 */
export const CLOUD_POOL_LABELS: Partial<Record<Provider, string>> = {
  aws: 'eks.amazonaws.com/nodegroup',
  azure: 'kubernetes.azure.com/agentpool',
  gcp: 'cloud.google.com/gke-nodepool',
};

export interface PoolStatus {
  name: string;
  /** The count the spec asks for. */
  desired: number;
  /** Nodes of the pool whose Ready condition is True; "unknown" when the API could not be asked. */
  ready: number | 'unknown';
  min?: number;
  max?: number;
}

/** The pool a node belongs to, by ksctl's label, else the cloud's. */
export function poolOfNode(node: NodeInfo, provider: Provider): string | undefined {
  const cloud = CLOUD_POOL_LABELS[provider];
  return node.labels[POOL_LABEL] ?? (cloud ? node.labels[cloud] : undefined);
}

/** Desired and ready per pool of `spec`; `nodes` undefined means the API was not reached. */
export function countPools(spec: Pick<ClusterSpec, 'nodePools' | 'provider'>, nodes?: NodeInfo[]): PoolStatus[] {
  const ready = new Map<string, number>();
  for (const n of nodes ?? []) {
    const pool = poolOfNode(n, spec.provider);
    if (pool !== undefined && n.ready) ready.set(pool, (ready.get(pool) ?? 0) + 1);
  }
  return spec.nodePools.map((p) => ({
    name: p.name,
    desired: p.count,
    ready: nodes ? (ready.get(p.name) ?? 0) : 'unknown',
    ...(p.min !== undefined ? { min: p.min } : {}),
    ...(p.max !== undefined ? { max: p.max } : {}),
  }));
}

/**
 * `countPools` with the nodes `listNodes` returns within `timeoutMs`; a failure or a timeout gives
 * "unknown" counts and the reason (one line, no secret: the API client's errors carry none).
 */
export async function poolStatus(
  spec: Pick<ClusterSpec, 'nodePools' | 'provider'>,
  listNodes: () => Promise<NodeInfo[]>,
  timeoutMs: number,
): Promise<{ pools: PoolStatus[]; unreachable?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
  });
  try {
    return { pools: countPools(spec, await Promise.race([listNodes(), timeout])) };
  } catch (e) {
    return { pools: countPools(spec), unreachable: reasonOf(e) };
  } finally {
    clearTimeout(timer);
  }
}

/** An error's first line, for the "unknown" counts. */
export function reasonOf(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0]!;
}
