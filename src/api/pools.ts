/**
 * Node pools as every layer sees them: the default pool that a spec's plain `workers` stand for, and
 * looking a pool up by name (for `scale nodepool`, `apply`). Pure; no zod, so light commands can use it.
 */
import { InputError } from '../errors.js';
import { quote } from './quote.js';
import { DEFAULT_POOL, type ClusterSpec, type MachineSpec, type NodePoolSpec, type WorkerSpec } from './types.js';

/** A listed machine's pool (ssh provider): the default one unless it names another. */
export const poolOf = (m: Pick<MachineSpec, 'pool'>): string => m.pool ?? DEFAULT_POOL;

/** The pool `spec.workers` stands for when the file lists no pools. */
export function defaultPoolOf(workers: WorkerSpec): NodePoolSpec {
  return { name: DEFAULT_POOL, count: workers.count, size: workers.size, spot: workers.spot, labels: {}, taints: [] };
}

/** True when `p` is exactly the pool `workers` stands for: nothing a cluster without pools could not express. */
export function isPlainDefaultPool(p: NodePoolSpec, workers: WorkerSpec): boolean {
  return (
    p.name === DEFAULT_POOL &&
    p.count === workers.count &&
    p.size === workers.size &&
    p.spot === workers.spot &&
    Object.keys(p.labels).length === 0 &&
    p.taints.length === 0 &&
    p.min === undefined &&
    p.max === undefined &&
    p.zones === undefined
  );
}

/** The pool named `name`, or exit 2 naming the pools there are. */
export function findPool(spec: Pick<ClusterSpec, 'name' | 'nodePools'>, name: string, field = '<pool>'): NodePoolSpec {
  const pool = spec.nodePools.find((p) => p.name === name);
  if (pool) return pool;
  const known = spec.nodePools.map((p) => p.name);
  throw new InputError(`cluster ${spec.name} has no node pool ${quote(name)}`, [field], {
    hint:
      known.length > 0
        ? `its pools: ${known.join(', ')}`
        : 'it has no node pools: add one to the cluster file and run ksctl apply -f',
  });
}

/** Total nodes over all pools. */
export function poolNodes(spec: Pick<ClusterSpec, 'nodePools'>): number {
  return spec.nodePools.reduce((n, p) => n + p.count, 0);
}

/**
 * Sets the worker count of a self-managed spec (day-2 `add worker` / `delete worker`), keeping the
 * default pool in step (spec.workers is that pool; validation refuses the two disagreeing), so the
 * recorded spec stays what a file with that count resolves to. Other pools keep their counts. On the
 * ssh provider a pool is the machines listed with it: every count is taken from spec.machines instead.
 */
export function setWorkerCount(spec: ClusterSpec, count: number): void {
  if (spec.provider === 'ssh') return countListedPools(spec);
  spec.workers.count = count;
  const d = spec.nodePools.find((p) => p.name === DEFAULT_POOL);
  if (d) d.count = count;
  else if (count > 0) spec.nodePools.unshift(defaultPoolOf(spec.workers));
}

/** ssh provider: each pool's count (the default pool's is spec.workers.count) is its listed workers. */
export function countListedPools(spec: ClusterSpec): void {
  const listed = (pool: string) => spec.machines.filter((m) => m.role === 'worker' && poolOf(m) === pool).length;
  spec.workers.count = listed(DEFAULT_POOL);
  for (const p of spec.nodePools) p.count = listed(p.name);
  if (spec.workers.count > 0 && !spec.nodePools.some((p) => p.name === DEFAULT_POOL))
    spec.nodePools.unshift(defaultPoolOf(spec.workers));
}

/** Sets pool `pool`'s count (and, for the default pool, `spec.workers.count`: the two move together). */
export function setPoolCount(spec: ClusterSpec, pool: string, count: number): void {
  const p = spec.nodePools.find((x) => x.name === pool);
  if (p) p.count = count;
  if (pool === DEFAULT_POOL) spec.workers.count = count;
}

/**
 * The self-managed spec with `pools` as its node pools, `spec.workers` following the default pool (its
 * count, size and spot; a count of 0 when there is none), everything else as it was.
 */
export function withPools(spec: ClusterSpec, pools: readonly NodePoolSpec[]): ClusterSpec {
  const next = structuredClone(spec);
  next.nodePools = structuredClone([...pools]);
  const d = next.nodePools.find((p) => p.name === DEFAULT_POOL);
  next.workers = d ? { count: d.count, size: d.size, spot: d.spot } : { ...next.workers, count: 0 };
  return next;
}

/**
 * The ssh provider's spec with `pools`: spec.workers following the default pool (withPools), and its
 * listed workers — those it has, then `more` it does not list yet — kept per pool up to that pool's
 * count (which of them a shrink gives up is chosen later, from the nodes; any of them validates alike).
 */
export function withListedPools(
  spec: ClusterSpec,
  pools: readonly NodePoolSpec[],
  more: MachineSpec[] = [],
): ClusterSpec {
  const next = withPools(spec, pools);
  const known = new Set(next.machines.map((m) => m.name));
  const listed = [...next.machines, ...structuredClone(more.filter((m) => m.role === 'worker' && !known.has(m.name)))];
  const kept = new Map<string, number>();
  next.machines = listed.filter((m) => {
    if (m.role !== 'worker') return true;
    const n = kept.get(poolOf(m)) ?? 0;
    kept.set(poolOf(m), n + 1);
    return n < (pools.find((p) => p.name === poolOf(m))?.count ?? 0);
  });
  return next;
}
