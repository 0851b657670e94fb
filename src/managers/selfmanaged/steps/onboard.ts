/**
 * The onboarding check of a worker (ARCHITECTURE.md, day 2): after its join, a worker counts as added
 * (state `bootstrapped`) only once the API server shows its Node Ready, with the providerID ksctl gave
 * it and its pool's labels (`ksctl.io/pool` included) and taints. Checked through the load balancer with
 * the kubeconfig in state, so it proves what a user's kubectl will see, not what the machine says.
 */
import { DEFAULT_POOL } from '../../../api/types.js';
import { POOL_LABEL } from '../../../api/validate-pools.js';
import type { PlannedMachine } from '../../../cloud/types.js';
import type { DistroController } from '../../../distro/controllers/types.js';
import { registrationOf } from '../../../distro/controllers/node-input.js';
import { ksctlProviderId } from '../../../state/provider-id.js';
import type { ClusterState } from '../../../state/types.js';
import type { OnboardingWant } from '../../kubernetes.js';
import type { BootstrapContext } from '../context.js';
import { stepId } from './ids.js';
import { markBootstrapped, noScripts, type BootstrapStep } from './types.js';
import { workerJoinStep } from './worker-join.js';

/** Cluster API's nodeStartupTimeout: a node not onboarded within 10 minutes is not coming. */
export const ONBOARD_TIMEOUT_MS = 600_000;

/** What the check asks of a worker's Node, from its pool in the spec and its machine in state. */
export function onboardingWantOf(ctx: Pick<BootstrapContext, 'spec' | 'machine'>, name: string): OnboardingWant {
  const m = ctx.machine(name);
  const r = registrationOf(ctx.spec, m);
  return {
    labels: r.labels,
    taints: r.taints,
    providerID: m.nodeProviderId ?? ksctlProviderId(ctx.spec.name, m.name),
  };
}

/**
 * Waits for the worker's Node to pass the check, then marks the machine bootstrapped; `onJoined`
 * changes state in that same write (a day-2 worker is counted in the spec only then).
 */
export function onboardStep(
  w: PlannedMachine,
  needs: string[],
  onJoined?: (s: ClusterState) => void,
  timeoutMs = ONBOARD_TIMEOUT_MS,
): BootstrapStep {
  return {
    id: stepId.onboard(w.name),
    title: `Worker ${w.name} (onboarding check: Ready, providerID, labels, taints)`,
    needs,
    target: w.name,
    details: { pool: w.pool ?? DEFAULT_POOL },
    describe: noScripts,
    async run(ctx) {
      const want = onboardingWantOf(ctx, w.name);
      const api = await ctx.nodeApi();
      try {
        const node = await api.waitOnboarded(w.name, want, timeoutMs, ctx.signal);
        ctx.log
          .child(w.name)
          .info(`onboarded: Ready, providerID ${node.providerID ?? ''}, pool ${want.labels?.[POOL_LABEL] ?? ''}`);
      } finally {
        await api.close();
      }
      await markBootstrapped(ctx, w.name, onJoined);
    },
  };
}

/**
 * A worker's join and its onboarding check, for create and the day-2 plans: the join step no longer
 * marks the machine bootstrapped, the check does. The check needs the kubeconfig in state (`kubeconfig`,
 * a step of create; a day-2 plan finds it there already, so it passes `[]`).
 */
export function joinedWorkerSteps(
  w: PlannedMachine,
  joinNeeds: string[],
  distribution: DistroController['name'],
  onboardNeeds: string[],
  onJoined?: (s: ClusterState) => void,
): [join: BootstrapStep, onboard: BootstrapStep] {
  const join = workerJoinStep(w, joinNeeds, distribution, undefined, { marks: false });
  return [join, onboardStep(w, [join.id, ...onboardNeeds], onJoined)];
}
