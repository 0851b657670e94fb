/**
 * Steps for the workers of one addition (worker-addition.ts decides which). The machine and join steps
 * carry the run's stamp: a worker removed and added again under the same name must not be skipped as
 * "done" by an old run. What create made (recorded as done in state) is depended on as it is.
 */
import { isStepDone } from '../../../pipeline/executor.js';
import type { Step } from '../../../pipeline/types.js';
import type { ClusterState } from '../../../state/types.js';
import type { BootstrapContext } from '../context.js';
import { hostPreflightStep } from '../steps/host-preflight.js';
import { stamped, stepId } from '../steps/ids.js';
import { machineStep } from '../steps/machine.js';
import { joinedWorkerSteps } from '../steps/onboard.js';
import type { WorkerAddition } from '../worker-addition.js';
import { specWithJoined } from '../worker-count.js';
import type { PlanSource } from './create.js';

/**
 * The infrastructure steps among `needs` that the plan must run, with what they need in turn. What
 * create made (recorded as done in state) is depended on as it is: neither run again nor needed.
 */
export function missingInfra(infra: Step[], needs: string[], state: ClusterState): Step[] {
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

export function addWorkerSteps(
  { provider, distro }: PlanSource,
  state: ClusterState,
  add: WorkerAddition,
  stamp: number,
): Step<BootstrapContext>[] {
  const steps = new Map<string, Step<BootstrapContext>>();
  const restamp = <S extends Step<BootstrapContext>>(s: S, needs: string[]): S => ({
    ...s,
    id: stamped(s.id, stamp),
    needs,
  });
  for (const s of missingInfra(provider.infraSteps(add.runSpec), provider.machineNeeds('worker'), state))
    steps.set(s.id, s);
  // Every new worker passes the host preflight (cgroup v2) before Kubernetes goes on it.
  const preflight = hostPreflightStep(
    add.workers,
    add.workers.map((w) => stamped(stepId.machine(w.name), stamp)),
  );
  steps.set(stamped(preflight.id, stamp), restamp(preflight, preflight.needs));
  for (const w of add.workers) {
    const machine = machineStep(w, provider);
    const onJoined = (s: ClusterState) => void (s.spec = specWithJoined(s, w.name, add.runSpec));
    const [join, onboard] = joinedWorkerSteps(w, [], distro.name, [], onJoined);
    // Needs met by what exists are dropped; the rest are the infrastructure steps in this plan.
    steps.set(
      stamped(machine.id, stamp),
      restamp(
        machine,
        machine.needs.filter((n) => steps.has(n)),
      ),
    );
    steps.set(
      stamped(join.id, stamp),
      restamp(join, [stamped(stepId.machine(w.name), stamp), stamped(stepId.hostPreflight, stamp)]),
    );
    // The worker counts as added once the API shows it Ready with its providerID, labels and taints.
    steps.set(stamped(onboard.id, stamp), restamp(onboard, [stamped(join.id, stamp)]));
  }
  return [...steps.values()];
}
