/**
 * The machines a self-managed spec calls for (the same on every cloud): `<cluster>-<role>-<i>`, and
 * each node pool's workers with that pool's size and spot, named `<cluster>-worker-<n>` (default pool)
 * or `<cluster>-<pool>-<n>`.
 */
import { defaultPoolOf } from '../../api/pools.js';
import { DEFAULT_POOL, type ClusterSpec, type Role } from '../../api/types.js';
import type { PlannedMachine } from '../types.js';

export function machinePlanOf(spec: ClusterSpec): PlannedMachine[] {
  const out: PlannedMachine[] = [];
  const add = (role: Role, count: number, size: string, spot = false) => {
    for (let index = 0; index < count; index++)
      out.push({ name: `${spec.name}-${role}-${index}`, role, size, spot, index });
  };
  add('loadbalancer', 1, spec.loadBalancer.size);
  add('etcd', spec.etcd.count, spec.etcd.size);
  add('controlplane', spec.controlPlane.count, spec.controlPlane.size);
  // spec.workers is the default pool (validation refuses the two disagreeing; day-2 counts update
  // spec.workers), then every other pool.
  const pools = [{ ...defaultPoolOf(spec.workers) }, ...spec.nodePools.filter((p) => p.name !== DEFAULT_POOL)];
  for (const p of pools) {
    for (let n = 0; n < p.count; n++) {
      const name = p.name === DEFAULT_POOL ? `${spec.name}-worker-${n}` : poolMachineName(spec.name, p.name, n);
      out.push({ name, role: 'worker', size: p.size, spot: p.spot, index: n, pool: p.name });
    }
  }
  return out;
}

/** `<cluster>-worker-<n>` for the smallest n no machine in `taken` uses: the name a day-2 worker gets by default. */
export function nextWorkerName(cluster: string, taken: ReadonlySet<string>): string {
  for (let n = 0; ; n++) if (!taken.has(`${cluster}-worker-${n}`)) return `${cluster}-worker-${n}`;
}

/**
 * The name a pool's next machine gets (scale-up, an upgrade's surge): `<cluster>-worker-<n>` for the
 * default pool (as before pools), `<cluster>-<pool>-<n>` otherwise, the smallest n no name in `taken` has.
 */
export function nextPoolMachineName(cluster: string, pool: string, taken: ReadonlySet<string>): string {
  if (pool === DEFAULT_POOL) return nextWorkerName(cluster, taken);
  for (let n = 0; ; n++) if (!taken.has(poolMachineName(cluster, pool, n))) return poolMachineName(cluster, pool, n);
}

/**
 * The name of machine n of a pool other than the default one: `<cluster>-<pool>-<n>`. (The default
 * pool keeps `<cluster>-worker-<n>`, as before pools; validation refuses pool names that are roles.)
 */
export function poolMachineName(cluster: string, pool: string, n: number): string {
  return `${cluster}-${pool}-${n}`;
}

/**
 * A worker added on day 2, planned like the spec's own, in pool `pool` (its size and spot from that
 * pool; the spec's workers when the pool is not listed). Its index (what spreads machines over zones
 * and subnets) must be the same in every run that ensures it, or a re-run after a crash would look
 * for the machine in another zone and create a second one: `<cluster>-worker-<n>` (default pool) and
 * `<cluster>-<pool>-<n>` get n, as at create; any other name a number derived from the name alone.
 */
export function plannedWorker(spec: ClusterSpec, name: string, pool: string = DEFAULT_POOL): PlannedMachine {
  const prefix = pool === DEFAULT_POOL ? `${spec.name}-worker-` : `${spec.name}-${pool}-`;
  const n = name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)) ? Number(name.slice(prefix.length)) : -1;
  const index = n >= 0 ? n : [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const p = spec.nodePools.find((x) => x.name === pool);
  return { name, role: 'worker', size: p?.size ?? spec.workers.size, spot: p?.spot ?? spec.workers.spot, index, pool };
}
