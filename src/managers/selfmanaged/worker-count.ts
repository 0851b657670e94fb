/**
 * How the spec counts workers as they come and go. A cloud's spec counts a worker once it has joined
 * and forgets it in the write that forgets the machine; the ssh provider's spec lists its machines.
 */
import { setWorkerCount } from '../../api/pools.js';
import type { ClusterSpec } from '../../api/types.js';
import type { ClusterState, Machine } from '../../state/types.js';

const joinedWorkers = (s: ClusterState) =>
  Object.values(s.machines).filter((m) => m.role === 'worker' && m.status === 'bootstrapped').length;

/** Workers in state that have not joined yet (a crashed or failed add, or create). */
export function halfAddedWorkers(state: ClusterState): Machine[] {
  return Object.values(state.machines).filter(
    (m) => m.role === 'worker' && m.status !== 'bootstrapped' && m.status !== 'removing',
  );
}

/**
 * The spec once `name` has joined (called in the write that marks it bootstrapped). The ssh provider
 * lists it in spec.machines; on a cloud the count covers every joined worker, which is one more for
 * a day-2 worker and no change for one the spec already counted (a create finished by `add worker`).
 */
export function specWithJoined(s: ClusterState, name: string, runSpec: ClusterSpec): ClusterSpec {
  const next = structuredClone(s.spec);
  const listed = runSpec.machines.find((m) => m.name === name);
  if (listed) {
    if (!next.machines.some((m) => m.name === name)) next.machines.push(listed);
    setWorkerCount(next, next.machines.filter((m) => m.role === 'worker').length);
  } else {
    setWorkerCount(next, Math.max(next.workers.count, joinedWorkers(s)));
  }
  return next;
}

/**
 * Forgets worker `name` in state: the machine and its place in the spec, in the caller's one write,
 * and only once (a re-run finds it gone). The ssh provider's spec lists its machines; a cloud's
 * count drops to the workers still joined at most, since a worker that never joined (a failed add)
 * was never counted.
 */
export function forgetWorker(s: ClusterState, name: string): void {
  if (!s.machines[name]) return;
  delete s.machines[name];
  const spec: ClusterSpec = structuredClone(s.spec);
  if (spec.provider === 'ssh') {
    spec.machines = spec.machines.filter((m) => m.name !== name);
    setWorkerCount(spec, spec.machines.filter((m) => m.role === 'worker').length);
  } else {
    setWorkerCount(spec, Math.min(spec.workers.count, joinedWorkers(s)));
  }
  s.spec = spec;
}
