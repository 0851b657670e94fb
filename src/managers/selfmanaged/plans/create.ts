/**
 * The self-managed bootstrap as a dependency graph (ARCHITECTURE.md, decision 4):
 *   infra → machines (all in parallel) → load balancer and etcd members as soon as their machines
 *   answer (bring-your-own machines: after the host preflight) → the host preflight of every future
 *   node (cgroup v2) → control plane 0 → the other control planes and every worker in parallel →
 *   kubeconfig; each worker then passes its onboarding check through the API (steps/onboard.ts).
 * With embedded etcd the control planes join one at a time (each join changes the etcd quorum).
 */
import type { ClusterSpec } from '../../../api/types.js';
import type { PlannedMachine, SelfManagedCloud } from '../../../cloud/types.js';
import type { DistroController } from '../../../distro/controllers/types.js';
import type { Step } from '../../../pipeline/types.js';
import type { BootstrapContext } from '../context.js';
import { controlPlaneInitStep } from '../steps/control-plane-init.js';
import { controlPlaneJoinStep } from '../steps/control-plane-join.js';
import { etcdHealthStep } from '../steps/etcd-health.js';
import { etcdMemberStep } from '../steps/etcd-member.js';
import { etcdPkiStep } from '../steps/etcd-pki.js';
import { hostPreflightStep } from '../steps/host-preflight.js';
import { stepId } from '../steps/ids.js';
import { kubeconfigStep } from '../steps/kubeconfig.js';
import { loadBalancerStep } from '../steps/load-balancer.js';
import { machineStep } from '../steps/machine.js';
import { secretsStep } from '../steps/secrets.js';
import { joinedWorkerSteps } from '../steps/onboard.js';
import type { BootstrapStep } from '../steps/types.js';

/** What the plan builders need: the provider's plan and the distribution, nothing that runs. */
export interface PlanSource {
  provider: SelfManagedCloud;
  distro: Pick<DistroController, 'name'>;
}

export function buildCreatePlan(spec: ClusterSpec, { provider, distro }: PlanSource): Step<BootstrapContext>[] {
  const planned = provider.machinePlan(spec);
  const of = (role: PlannedMachine['role']) => planned.filter((m) => m.role === role);
  const lb = of('loadbalancer')[0]!;
  const etcd = of('etcd');
  const cps = of('controlplane');
  const workers = of('worker');
  const cp0 = cps[0]!;

  const steps: Step<BootstrapContext>[] = [
    ...provider.infraSteps(spec),
    secretsStep(distro),
    ...planned.map((m) => machineStep(m, provider)),
  ];
  const kubelets = [...cps, ...workers];
  steps.push(
    hostPreflightStep(
      kubelets,
      kubelets.map((m) => stepId.machine(m.name)),
    ),
  );
  // Kubernetes goes on no machine before every future node passed (control plane 0 waits for the
  // preflight; every other node follows control plane 0). Machines that already exist (ssh provider,
  // where a cgroup v1 host is likely) are all checked before the load balancer and etcd too, so a
  // refusal leaves every machine untouched. On a cloud that would hold HAProxy and etcd back until the
  // last of N new VMs booted (+2.1 s at 100 workers in the simulated create), for images ksctl picks
  // itself with cgroup v2, so there they start as soon as their own machines answer.
  const gateInfra = (s: BootstrapStep): BootstrapStep =>
    provider.provider === 'ssh' ? { ...s, needs: [...s.needs, stepId.hostPreflight] } : s;
  steps.push(gateInfra(loadBalancerStep(lb, cps)));
  const etcdReady: string[] = [];
  if (etcd.length > 0) {
    // The etcd PKI gates the members.
    steps.push(gateInfra(etcdPkiStep(etcd)), ...etcd.map((m) => etcdMemberStep(m)), etcdHealthStep(etcd));
    etcdReady.push(stepId.etcdHealth);
  }

  steps.push(
    controlPlaneInitStep(
      cp0,
      [stepId.machine(cp0.name), stepId.loadBalancer(lb.name), stepId.secrets, ...etcdReady, stepId.hostPreflight],
      distro.name,
    ),
  );
  let previous = stepId.node(cp0);
  for (const cp of cps.slice(1)) {
    // Embedded etcd: one member joins at a time. External etcd: all together.
    steps.push(
      controlPlaneJoinStep(cp, [stepId.machine(cp.name), etcd.length === 0 ? previous : stepId.node(cp0)], distro.name),
    );
    previous = stepId.node(cp);
  }
  // Each worker joins, then passes the onboarding check through the API (which needs the kubeconfig).
  for (const w of workers)
    steps.push(...joinedWorkerSteps(w, [stepId.machine(w.name), stepId.node(cp0)], distro.name, [stepId.kubeconfig]));
  steps.push(kubeconfigStep(cp0));
  return steps;
}
