/**
 * A self-managed upgrade as a plan: the backup (its own recorded steps, from the backup manager), then
 * every kubelet node staged at once, then the control planes one at a time (the first runs the
 * distribution's cluster-wide upgrade; each is Ready at the new version before the next, so an
 * upgrading control plane never costs the API or etcd quorum more than one member), then the workers
 * pool by pool, one node at a time, then the cluster's recorded versions. External etcd members are
 * not touched: they run ksctl's pinned etcd release, independent of Kubernetes'.
 */
import type { Step } from '../../../pipeline/types.js';
import type { Machine } from '../../../state/types.js';
import type { BootstrapContext } from '../context.js';
import type { BootstrapStep } from '../steps/types.js';
import { upgradeNodeStep, upgradeStageStep, type UpgradeRun } from '../steps/upgrade-node.js';

export interface UpgradePlanInput {
  run: UpgradeRun;
  /** The backup's steps (none with --skip-backup). */
  backup: Step<BootstrapContext>[];
  /** Every machine of the cluster (etcd and load balancer are left alone). */
  machines: Machine[];
  /** The last step: records the cluster's versions and the spec's new version. */
  finish: (needs: string[]) => Step<BootstrapContext>;
}

const byName = new Intl.Collator('en', { numeric: true }).compare;

/** Workers grouped by pool (pools in name order, the unpooled first), each pool in name order. */
export function workerOrder(machines: Machine[]): Machine[] {
  return machines
    .filter((m) => m.role === 'worker' && m.status !== 'removing')
    .sort((a, b) => byName(a.pool ?? '', b.pool ?? '') || byName(a.name, b.name));
}

export function upgradeSteps(input: UpgradePlanInput): Step<BootstrapContext>[] {
  const { run } = input;
  const controlPlanes = input.machines
    .filter((m) => m.role === 'controlplane' && m.status !== 'removing')
    .sort((a, b) => byName(a.name, b.name));
  const workers = workerOrder(input.machines);
  const afterBackup = input.backup.length ? [input.backup[input.backup.length - 1]!.id] : [];
  const stages: BootstrapStep[] = [...controlPlanes, ...workers].map((m) => upgradeStageStep(run, m.name, afterBackup));
  const nodes: BootstrapStep[] = [];
  // One chain: every node waits for the one before it; the first waits for every node's staging.
  let needs = stages.map((s) => s.id);
  [...controlPlanes, ...workers].forEach((m, i) => {
    const step = upgradeNodeStep(run, m.name, i === 0, needs);
    nodes.push(step);
    needs = [step.id];
  });
  return [...input.backup, ...stages, ...nodes, input.finish(needs)];
}
