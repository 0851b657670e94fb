/**
 * A self-managed upgrade as a plan: the backup (its own recorded steps, from the backup manager), then
 * every kubelet node upgraded in place staged at once, then the control planes one at a time (the first
 * runs the distribution's cluster-wide upgrade; each is Ready at the new version before the next, so an
 * upgrading control plane never costs the API or etcd quorum more than one member), then the workers
 * pool by pool, one at a time: replaced by a new machine first on a cloud (plans/surge.ts), in place
 * with a drain on the ssh provider or with --in-place (upgrade-rollout.ts decides); then the cluster's
 * recorded versions. External etcd members are not touched: they run ksctl's pinned etcd release,
 * independent of Kubernetes'.
 */
import type { Step } from '../../../pipeline/types.js';
import type { Machine } from '../../../state/types.js';
import type { BootstrapContext } from '../context.js';
import type { BootstrapStep } from '../steps/types.js';
import { upgradeNodeStep, upgradeStageStep, type UpgradeRun } from '../steps/upgrade-node.js';
import type { WorkerRoll } from '../upgrade-rollout.js';

export interface UpgradePlanInput {
  run: UpgradeRun;
  /** The backup's steps (none with --skip-backup). */
  backup: Step<BootstrapContext>[];
  /** Every machine of the cluster (etcd and load balancer are left alone). */
  machines: Machine[];
  /** How each worker moves, in order (upgrade-rollout.ts). */
  workers: WorkerRoll[];
  /** The steps replacing one worker by a new machine, the first after `needs` (plans/surge.ts). */
  surge(roll: Extract<WorkerRoll, { kind: 'surge' }>, needs: string[]): BootstrapStep[];
  /** Infrastructure a new machine needs that the cluster's create did not finish (normally none). */
  infra?: Step<BootstrapContext>[];
  /** The last step: records the cluster's versions and the spec's new version. */
  finish: (needs: string[]) => Step<BootstrapContext>;
}

const byName = new Intl.Collator('en', { numeric: true }).compare;

export function upgradeSteps(input: UpgradePlanInput): Step<BootstrapContext>[] {
  const { run } = input;
  const controlPlanes = input.machines
    .filter((m) => m.role === 'controlplane' && m.status !== 'removing')
    .sort((a, b) => byName(a.name, b.name))
    .map((m) => m.name);
  const inPlace = input.workers.flatMap((w) => (w.kind === 'in-place' ? [w.name] : []));
  const afterBackup = input.backup.length ? [input.backup[input.backup.length - 1]!.id] : [];
  // Staged: the nodes upgraded in place (a worker being replaced is going away).
  const stages: BootstrapStep[] = [...controlPlanes, ...inPlace].map((m) => upgradeStageStep(run, m, afterBackup));
  const nodes: Step<BootstrapContext>[] = [];
  // One chain: every node waits for the one before it; the first waits for every node's staging.
  let needs = stages.map((s) => s.id);
  controlPlanes.forEach((name, i) => {
    const step = upgradeNodeStep(run, name, i === 0, needs);
    nodes.push(step);
    needs = [step.id];
  });
  for (const w of input.workers) {
    const steps = w.kind === 'in-place' ? [upgradeNodeStep(run, w.name, false, needs)] : input.surge(w, needs);
    nodes.push(...steps);
    needs = [steps[steps.length - 1]!.id];
  }
  return [...input.backup, ...(input.infra ?? []), ...stages, ...nodes, input.finish(needs)];
}
