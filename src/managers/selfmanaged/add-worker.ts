/**
 * Day 2: add one worker (an existing machine for the ssh provider, a new VM on a cloud) and join it.
 * Intent, then result, as create does: the machine is written to state as `pending` before any cloud
 * call (so a re-run after a crash finishes *that* machine, found by its name and tags, instead of
 * creating another), and a cloud's spec counts it only in the write that marks it joined.
 */
import type { ClusterSpec, MachineSpec } from '../../api/types.js';
import { setWorkerCount } from '../../api/pools.js';
import { assertValidSpec, checkName } from '../../api/validate.js';
import { nextWorkerName, plannedWorker } from '../../cloud/common/machine-plan.js';
import type { PlannedMachine } from '../../cloud/types.js';
import { ConflictError, InputError } from '../../errors.js';
import { isStepDone } from '../../pipeline/executor.js';
import type { Step } from '../../pipeline/types.js';
import type { ClusterState, Machine } from '../../state/types.js';
import { HOST_PREFLIGHT_STEP, hostPreflightStep } from './host-preflight.js';
import { machineStep, machineStepId, nodeStep } from './plan.js';
import type { BootstrapRuntime } from './runtime.js';

export interface AddWorkerRequest {
  /** `--name`; default `<cluster>-worker-<n>` (the smallest n free). */
  name?: string;
  /** The ssh provider's machine (from --address, --user, ...); clouds create theirs. */
  machine?: Omit<MachineSpec, 'name' | 'role'>;
}

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

/** Workers in state that have not joined yet (a crashed or failed add, or create). */
export function halfAddedWorkers(state: ClusterState): Machine[] {
  return Object.values(state.machines).filter((m) => m.role === 'worker' && m.status !== 'bootstrapped' && m.status !== 'removing');
}

/**
 * Which worker to add, checked against the cluster: a bad or taken `--name` is an InputError (exit 2)
 * thrown before anything is written. A worker left half-added is finished first, under its own name.
 */
export function resolveAddition(state: ClusterState, req: AddWorkerRequest): WorkerAddition {
  const spec = state.spec;
  if (spec.provider !== 'ssh' && req.machine) throw new InputError(`--address is for the ssh provider; ${spec.provider} creates the machine`, ['--address']);
  const name = req.name;
  if (name !== undefined) {
    const bad = checkName(name, '--name')[0];
    if (bad) throw new InputError(`--name: ${bad.message}`, ['--name']);
  }
  const sshMachine = (n: string): MachineSpec | undefined => (req.machine ? { ...req.machine, name: n, role: 'worker' } : undefined);
  const half = halfAddedWorkers(state);
  if (half.length > 0) {
    const finish = `finish it first (\`ksctl add worker ${spec.name}\` again) or remove it (\`ksctl delete worker ${spec.name} ${half[0]!.name}\`)`;
    if (name !== undefined && !half.some((m) => m.name === name)) {
      throw new ConflictError(`worker ${half.map((m) => m.name).join(', ')} of ${spec.name} has not joined yet: ${finish}`);
    }
    const resume = name !== undefined ? half.filter((m) => m.name === name) : half;
    if (req.machine && resume.length > 1) throw new InputError(`--name: say which of ${resume.map((m) => m.name).join(', ')} --address is`, ['--name']);
    return { workers: resume.map((m) => plannedWorker(spec, m.name)), runSpec: runSpecOf(spec, sshMachine(resume[0]!.name)), intent: [], recordSpec: false };
  }
  if (spec.provider === 'ssh' && !req.machine) throw new InputError('the ssh provider adds an existing machine: pass --address (and --user, --key-file)', ['--address']);
  const taken = new Set([...Object.keys(state.machines), ...spec.machines.map((m) => m.name)]);
  const chosen = name ?? nextWorkerName(spec.name, taken);
  if (taken.has(chosen)) throw new InputError(`--name: ${spec.name} already has a machine named "${chosen}"; choose another name`, ['--name']);
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

/** The machine as known before it exists: a name and a role (and, for the ssh provider, where it is). */
function intentOf(p: PlannedMachine, machine: MachineSpec | undefined): Machine {
  return {
    name: p.name,
    role: 'worker',
    sshPort: machine?.port ?? 22,
    sshUser: machine?.user ?? '',
    hostKeys: machine?.hostKey ? [machine.hostKey] : [],
    status: 'pending',
    ...(machine ? { publicAddress: machine.address, privateAddress: machine.privateAddress ?? machine.address } : { size: p.size, spot: p.spot }),
  };
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
    const joined = Object.values(s.machines).filter((m) => m.role === 'worker' && m.status === 'bootstrapped').length;
    setWorkerCount(next, Math.max(next.workers.count, joined));
  }
  return next;
}

/**
 * The infrastructure steps among `needs` that the plan must run, with what they need in turn. What
 * create made (recorded as done in state) is depended on as it is: neither run again nor needed.
 */
function missingInfra(infra: Step[], needs: string[], state: ClusterState): Step[] {
  const byId = new Map(infra.map((s) => [s.id, s]));
  const out = new Map<string, Step>();
  const visit = (id: string) => {
    const s = byId.get(id);
    if (!s || out.has(id) || isStepDone(state.steps, id)) return;
    s.needs.forEach(visit);
    out.set(id, { ...s, needs: s.needs.filter((n) => byId.has(n) && !isStepDone(state.steps, n)) });
  };
  needs.forEach(visit);
  return [...out.values()];
}

/**
 * Steps for the workers of one addition. The machine and join steps carry a run stamp: a worker
 * removed and added again under the same name must not be skipped as "done" by an old run.
 */
export function addWorkerSteps(rt: BootstrapRuntime, state: ClusterState, add: WorkerAddition, stamp: number): Step[] {
  const infra = rt.provider.infraSteps(add.runSpec);
  const steps = new Map<string, Step>();
  const stamped = (id: string) => `${id}@${stamp}`;
  for (const s of missingInfra(infra, rt.provider.machineNeeds('worker'), state)) steps.set(s.id, s);
  // Every new worker passes the host preflight (cgroup v2) before Kubernetes goes on it.
  const preflight = hostPreflightStep(rt, add.workers, add.workers.map((w) => stamped(machineStepId(w.name))));
  steps.set(stamped(preflight.id), { ...preflight, id: stamped(preflight.id) });
  for (const w of add.workers) {
    const machine = machineStep(rt, w, rt.provider);
    const onJoined = (s: ClusterState) => void (s.spec = specWithJoined(s, w.name, add.runSpec));
    const join = nodeStep(rt, w, [], 'worker', onJoined);
    // Needs met by what exists are dropped; the rest are the infrastructure steps in this plan.
    steps.set(stamped(machine.id), { ...machine, id: stamped(machine.id), needs: machine.needs.filter((n) => steps.has(n)) });
    steps.set(stamped(join.id), { ...join, id: stamped(join.id), needs: [stamped(machineStepId(w.name)), stamped(HOST_PREFLIGHT_STEP)] });
  }
  return [...steps.values()];
}
