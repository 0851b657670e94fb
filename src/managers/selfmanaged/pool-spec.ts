/**
 * A self-managed spec's pool counts as state records them. The default pool is also what
 * `spec.workers` says (a cluster file without pools resolves to exactly that), so the two move together.
 */
import { DEFAULT_POOL, type ClusterSpec, type NodePoolSpec } from '../../api/types.js';

/** Sets pool `pool`'s count (and, for the default pool, `spec.workers.count`). */
export function setPoolCount(spec: ClusterSpec, pool: string, count: number): void {
  const p = spec.nodePools.find((x) => x.name === pool);
  if (p) p.count = count;
  if (pool === DEFAULT_POOL) spec.workers.count = count;
}

/**
 * The spec with `pools` as its node pools, `spec.workers` following the default pool (its count, size
 * and spot; a count of 0 when there is none), everything else as it was.
 */
export function withPools(spec: ClusterSpec, pools: readonly NodePoolSpec[]): ClusterSpec {
  const next = structuredClone(spec);
  next.nodePools = structuredClone([...pools]);
  const d = next.nodePools.find((p) => p.name === DEFAULT_POOL);
  next.workers = d ? { count: d.count, size: d.size, spot: d.spot } : { ...next.workers, count: 0 };
  return next;
}
