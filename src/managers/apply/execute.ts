/**
 * Carrying out an apply plan: which lifecycle calls it takes and in which order. The plan was already
 * checked (assertApplicable), so everything here changes in place. Each call is its own recorded,
 * resumable operation; a run that stops midway leaves a plan that a second `apply -f` of the same file
 * computes again from state, and that converges.
 */
import type { DrainFlags } from '../../api/pool-change.js';
import type { ClusterSpec } from '../../api/types.js';
import type { ClusterLifecycle, DayTwoResult, PoolChangeResult } from '../index.js';
import type { ApplyPlan } from './types.js';

/** What an apply did: the pools' result and the access result, each when that part of the plan ran. */
export interface ApplyResult {
  pools?: PoolChangeResult;
  access?: DayTwoResult;
}

/** The calls a plan takes: pools when any pool changes (counts, bounds, labels, taints), access when the CIDRs do. */
export function applyCalls(plan: ApplyPlan): { pools: boolean; access: boolean } {
  return {
    pools: plan.changes.some((c) => c.kind !== 'allow-cidrs'),
    access: plan.changes.some((c) => c.kind === 'allow-cidrs'),
  };
}

/**
 * Access first: a changed CIDR list is most often the operator's own address that moved, and the pool
 * steps of a self-managed cluster reach new machines over SSH through those very rules. The ssh
 * provider also hands over the file's machines, where a grown pool finds its new ones.
 */
export async function executeApplyPlan(
  lifecycle: Pick<ClusterLifecycle, 'reconcilePools' | 'updateAccess'>,
  plan: ApplyPlan,
  spec: ClusterSpec,
  drain: DrainFlags,
): Promise<ApplyResult> {
  const calls = applyCalls(plan);
  const out: ApplyResult = {};
  if (calls.access) out.access = await lifecycle.updateAccess(plan.cluster, spec.network.allowCidrs, {});
  if (calls.pools) {
    out.pools = await lifecycle.reconcilePools(
      plan.cluster,
      { pools: spec.nodePools, ...(spec.provider === 'ssh' ? { machines: spec.machines } : {}) },
      { drain },
    );
  }
  return out;
}
