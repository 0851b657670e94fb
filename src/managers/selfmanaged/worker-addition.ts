/**
 * Day 2, `add worker`: which worker to add, decided against the cluster before anything is written
 * (the steps are plans/add-worker.ts). Intent, then result, as create does: the machine is written to
 * state as `pending` before any cloud call (so a re-run after a crash finishes *that* machine, found by
 * its name and tags, instead of creating another), and a cloud's spec counts it only once it joined.
 */
import { DEFAULT_POOL, type ClusterSpec, type MachineSpec } from '../../api/types.js';
import { setWorkerCount } from '../../api/pools.js';
import type { AddWorkerRequest } from '../../api/worker-request.js';
import { assertValidSpec, checkName } from '../../api/validate.js';
import { nextWorkerName, plannedWorker } from '../../cloud/common/machine-plan.js';
import type { PlannedMachine } from '../../cloud/types.js';
import { ConflictError, InputError } from '../../errors.js';
import type { ClusterState, Machine } from '../../state/types.js';
import { halfAddedWorkers } from './worker-count.js';

/** What one `add worker` run does, decided before anything is written. */
export interface WorkerAddition {
  /** The workers this run ensures and joins (more than one only when finishing an earlier create). */
  workers: PlannedMachine[];
  /** The spec the steps run with: the ssh provider's steps find the new machine's address in it. */
  runSpec: ClusterSpec;
  /** Written to state (as `pending`) before the plan runs. */
  intent: Machine[];
  /**
   * Whether `runSpec` is written with the intent. The ssh provider's machine exists already, so it is
   * listed (and counted, as spec.machines must be) from the start: a re-run finds its address there,
   * and `delete cluster` reaches it even if it never joined. A cloud's VM is counted once it joins.
   */
  recordSpec: boolean;
}

/**
 * Which worker to add, checked against the cluster: a bad or taken `--name` is an InputError (exit 2)
 * thrown before anything is written. A worker left half-added is finished first, under its own name.
 */
export function resolveAddition(state: ClusterState, req: AddWorkerRequest): WorkerAddition {
  const spec = state.spec;
  if (spec.provider !== 'ssh' && req.machine)
    throw new InputError(`--address is for the ssh provider; ${spec.provider} creates the machine`, ['--address']);
  const name = req.name;
  if (name !== undefined) {
    const bad = checkName(name, '--name')[0];
    if (bad) throw new InputError(`--name: ${bad.message}`, ['--name']);
  }
  const sshMachine = (n: string): MachineSpec | undefined =>
    req.machine ? { ...req.machine, name: n, role: 'worker' } : undefined;
  const half = halfAddedWorkers(state);
  if (half.length > 0) {
    const finish = `finish it first (\`ksctl add worker ${spec.name}\` again) or remove it (\`ksctl delete worker ${spec.name} ${half[0]!.name}\`)`;
    if (name !== undefined && !half.some((m) => m.name === name)) {
      throw new ConflictError(
        `worker ${half.map((m) => m.name).join(', ')} of ${spec.name} has not joined yet: ${finish}`,
      );
    }
    const resume = name !== undefined ? half.filter((m) => m.name === name) : half;
    if (req.machine && resume.length > 1)
      throw new InputError(`--name: say which of ${resume.map((m) => m.name).join(', ')} --address is`, ['--name']);
    return {
      workers: resume.map((m) => plannedWorker(spec, m.name)),
      runSpec: runSpecOf(spec, sshMachine(resume[0]!.name)),
      intent: [],
      recordSpec: false,
    };
  }
  if (spec.provider === 'ssh' && !req.machine)
    throw new InputError('the ssh provider adds an existing machine: pass --address (and --user, --key-file)', [
      '--address',
    ]);
  const taken = new Set([...Object.keys(state.machines), ...spec.machines.map((m) => m.name)]);
  const chosen = name ?? nextWorkerName(spec.name, taken);
  if (taken.has(chosen))
    throw new InputError(`--name: ${spec.name} already has a machine named "${chosen}"; choose another name`, [
      '--name',
    ]);
  const machine = sshMachine(chosen);
  const runSpec = runSpecOf(spec, machine);
  const planned = plannedWorker(runSpec, chosen);
  return { workers: [planned], runSpec, intent: [intentOf(planned, machine)], recordSpec: spec.provider === 'ssh' };
}

function runSpecOf(spec: ClusterSpec, machine: MachineSpec | undefined): ClusterSpec {
  if (!machine || spec.machines.some((m) => m.name === machine.name)) return spec;
  const next = structuredClone(spec);
  next.machines.push(machine);
  setWorkerCount(next, next.workers.count + 1);
  return assertValidSpec(next); // the ssh machine's address, port and host key, before anything is written
}

/**
 * A worker as known before it exists: a name, a role, its pool (and, for the ssh provider, where it
 * is). Written to state as `pending` before any cloud call (add worker, pool growth).
 */
export function intentOf(p: PlannedMachine, machine: MachineSpec | undefined): Machine {
  return {
    name: p.name,
    role: 'worker',
    pool: p.pool ?? DEFAULT_POOL,
    sshPort: machine?.port ?? 22,
    sshUser: machine?.user ?? '',
    hostKeys: machine?.hostKey ? [machine.hostKey] : [],
    status: 'pending',
    ...(machine
      ? { publicAddress: machine.address, privateAddress: machine.privateAddress ?? machine.address }
      : { size: p.size, spot: p.spot }),
  };
}
