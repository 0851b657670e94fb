/**
 * How the spec counts workers as they come and go, per node pool. A worker is counted in its pool once
 * it has joined and uncounted in the write that forgets the machine; the default pool's count is also
 * `spec.workers.count` (what a file without pools says). The ssh provider's spec also lists its machines.
 */
import type { ClusterSpec } from '../../api/types.js';
import type { ClusterState, Machine } from '../../state/types.js';
import { poolOf } from './pool-of.js';
import { setPoolCount } from '../../api/pools.js';

/** Workers of `pool` that count: joined, or joined and now being removed (uncounted when forgotten). */
const countedIn = (s: ClusterState, pool: string) =>
  Object.values(s.machines).filter(
    (m) =>
      m.role === 'worker' && (m.status === 'bootstrapped' || m.status === 'removing') && poolOf(s.spec, m) === pool,
  ).length;

/** Workers in state that have not joined yet (a crashed or failed add, or create). */
export function halfAddedWorkers(state: ClusterState): Machine[] {
  return Object.values(state.machines).filter(
    (m) => m.role === 'worker' && m.status !== 'bootstrapped' && m.status !== 'removing',
  );
}

/**
 * The spec once `name` has joined (called in the write that marks it bootstrapped). The ssh provider
 * lists it in spec.machines; its pool's count covers every joined worker of the pool, which is one more
 * for a day-2 worker and no change for one the spec already counted (a create finished by `add worker`).
 */
export function specWithJoined(s: ClusterState, name: string, runSpec: ClusterSpec): ClusterSpec {
  const next = structuredClone(s.spec);
  const listed = runSpec.machines.find((m) => m.name === name);
  if (listed && !next.machines.some((m) => m.name === name)) next.machines.push(listed);
  const m = s.machines[name];
  const pool = m ? poolOf(next, m) : poolOf(next, { name, role: 'worker' });
  const now = next.nodePools.find((p) => p.name === pool)?.count ?? next.workers.count;
  setPoolCount(next, pool, Math.max(now, countedIn({ ...s, spec: next }, pool)));
  return next;
}

/**
 * Forgets worker `name` in state: the machine and its place in the spec, in the caller's one write,
 * and only once (a re-run finds it gone). Its pool's count drops to the workers still counted at most,
 * since a worker that never joined (a failed add) was never counted; the ssh provider's spec stops
 * listing it.
 */
export function forgetWorker(s: ClusterState, name: string): void {
  const m = s.machines[name];
  if (!m) return;
  const spec: ClusterSpec = structuredClone(s.spec);
  const pool = poolOf(spec, m);
  delete s.machines[name];
  if (spec.provider === 'ssh') spec.machines = spec.machines.filter((x) => x.name !== name);
  const now = spec.nodePools.find((p) => p.name === pool)?.count ?? spec.workers.count;
  setPoolCount(spec, pool, Math.min(now, countedIn({ ...s, spec }, pool)));
  s.spec = spec;
}
