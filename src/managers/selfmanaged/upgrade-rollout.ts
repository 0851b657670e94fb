/**
 * How an upgrade moves each worker, decided against state before anything is written (pure). On AWS,
 * Azure and GCP a worker is replaced as Cluster API's MachineDeployment rolls with maxSurge 1 and
 * maxUnavailable 0: a new machine of its pool (the pool's next name, as a scale-up names it) joins at
 * the new version, then the old one is drained and deleted. The ssh provider cannot make machines, and
 * `--in-place` keeps to the machines there are: those workers are upgraded in place, drained.
 *
 * The replacement's name is recorded on the old worker (`replacedBy`) before the run, so state always
 * says which machine is which, and a re-run after a crash finishes *that* machine. A replacement that
 * exists in state (begun) is finished as one whatever the flags say, so none is left half-made; one
 * only named is dropped by `--in-place`.
 */
import type { ClusterState, Machine } from '../../state/types.js';
import { nextPoolMachineName, plannedWorker } from '../../cloud/common/machine-plan.js';
import type { PlannedMachine } from '../../cloud/types.js';
import { poolOf } from './pool-of.js';

export type WorkerRoll =
  { kind: 'in-place'; name: string } | { kind: 'surge'; old: string; pool: string; surge: PlannedMachine };

export interface Rollout {
  /** Every worker, pools in name order (the unpooled first), each pool in name order. */
  workers: WorkerRoll[];
  /** `replacedBy` to record on these workers before the run. */
  name: Record<string, string>;
  /** Workers whose named (not begun) replacement `--in-place` gives up. */
  unname: string[];
}

const byName = new Intl.Collator('en', { numeric: true }).compare;

/**
 * `done(m)`: the worker already runs the target (an earlier run's replacement, or a worker upgraded
 * in place before a crash): its in-place step only checks it, no machine is made for it.
 */
export function planRollout(state: ClusterState, inPlace: boolean, done: (m: Machine) => boolean): Rollout {
  const spec = state.spec;
  const machines = Object.values(state.machines);
  const replacements = new Set(machines.map((m) => m.replacedBy).filter((n): n is string => !!n));
  const workers = machines
    .filter((m) => m.role === 'worker' && !replacements.has(m.name))
    // A worker being removed belongs to the upgrade only if the upgrade is replacing it.
    .filter((m) => m.status !== 'removing' || !!m.replacedBy)
    .sort((a, b) => byName(a.pool ?? '', b.pool ?? '') || byName(a.name, b.name));
  const taken = new Set([...machines.map((m) => m.name), ...replacements, ...spec.machines.map((m) => m.name)]);
  const out: Rollout = { workers: [], name: {}, unname: [] };
  for (const w of workers) {
    const begun = !!w.replacedBy && !!state.machines[w.replacedBy];
    const canSurge = spec.provider !== 'ssh' && !inPlace && !done(w);
    if (!begun && !canSurge) {
      if (w.replacedBy) out.unname.push(w.name);
      out.workers.push({ kind: 'in-place', name: w.name });
      continue;
    }
    const pool = poolOf(spec, w);
    const name = w.replacedBy ?? nextPoolMachineName(spec.name, pool, taken);
    taken.add(name);
    if (!w.replacedBy) out.name[w.name] = name;
    out.workers.push({ kind: 'surge', old: w.name, pool, surge: plannedWorker(spec, name, pool) });
  }
  return out;
}
