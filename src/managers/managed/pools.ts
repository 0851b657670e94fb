/**
 * Managed clusters' node pools on day 2 (EKS node groups, AKS agent pools, GKE node pools), through
 * the one outline (operation.ts): the target is validated as a whole spec and diffed with state's
 * recorded pools before anything is written; each pool change is one recorded step (pool-steps.ts).
 * kind cannot add or remove nodes of a cluster it made, so a pool change there is refused.
 */
import type { PoolChangeOptions, PoolTarget } from '../../api/pool-change.js';
import { formatClusterId, type ClusterId, type ClusterSpec, type NodePoolSpec } from '../../api/types.js';
import { assertValidSpec } from '../../api/validate.js';
import { loadProvider } from '../../cloud/registry.js';
import type { ManagedCloud } from '../../cloud/types.js';
import { InputError, NotFoundError } from '../../errors.js';
import { describeStep } from '../../pipeline/graph.js';
import type { ClusterState } from '../../state/types.js';
import type { PoolChangeResult } from '../index.js';
import { runOperation, stepContext } from '../operation.js';
import type { ManagerDeps } from '../types.js';
import { assertPoolsChangeable, diffManagedPools, type ManagedPoolChange } from './pool-diff.js';
import { poolSteps } from './pool-steps.js';

export async function reconcileManagedPools(
  deps: ManagerDeps,
  id: ClusterId,
  target: PoolTarget,
  opts: PoolChangeOptions,
): Promise<PoolChangeResult> {
  // Read without the lock first: a dry run, a refusal or a target the cluster already has writes nothing.
  const seen = await deps.store.read(id);
  if (!seen) throw new NotFoundError(`cluster ${formatClusterId(id)} has no state`);
  const { changes } = planChanges(seen, target);
  if (changes.length === 0) return resultOf([], []);
  if (opts.dryRun) {
    const provider = await managedProvider(seen.spec, deps);
    return resultOf(changes, poolSteps(provider, changes, stepOptions(seen, provider)).map(describeStep));
  }
  const out = await runOperation(deps, {
    kind: 'update',
    id,
    plan: async (h) => {
      const state = h.state!;
      const { next, changes } = planChanges(state, target);
      const provider = await managedProvider(state.spec, deps);
      const ctx = stepContext(deps, h, next);
      // Reads only (names, zones, per-zone counts the cloud accepts): a refusal here writes nothing.
      if (changes.length > 0)
        await provider.checkNodePools?.(ctx, {
          created: changes.flatMap((c) => (c.kind === 'create' ? [c.pool] : [])),
          scaled: changes.flatMap((c) => (c.kind === 'scale' ? [c.pool] : [])),
        });
      const steps = poolSteps(provider, changes, stepOptions(state, provider));
      return { steps, ctx, concurrency: deps.concurrency, result: resultOf(changes, steps.map(describeStep)) };
    },
  });
  return out.result;
}

/** The target as a whole spec (validated as create would), and the changes from the recorded pools. */
function planChanges(state: ClusterState, target: PoolTarget): { next: ClusterSpec; changes: ManagedPoolChange[] } {
  const had = state.spec.nodePools;
  const next: ClusterSpec = { ...structuredClone(state.spec), nodePools: structuredClone(target.pools) };
  assertValidSpec(next);
  assertPoolsChangeable(had, next);
  const changes = diffManagedPools(had, next.nodePools);
  if (changes.length > 0 && state.spec.provider === 'local') throw kindRefusal(state.spec, changes);
  return { next, changes };
}

/**
 * kind makes every node when it creates the cluster (`kind create cluster --config`) and has no
 * command to add or remove one later (kubernetes-sigs/kind#4037, answered as such): the pools of a
 * kind cluster are changed by creating it again.
 */
function kindRefusal(spec: ClusterSpec, changes: ManagedPoolChange[]): InputError {
  const pools = [...new Set(changes.map((c) => c.pool.name))];
  return new InputError(
    `kind cannot add, remove or change nodes of an existing cluster (pool ${pools.join(', ')} of ${spec.name}): its nodes are made once, at create`,
    ['spec.nodePools'],
    {
      hint: `recreate the cluster with the new pools: ksctl delete cluster ${spec.name} --provider local, then ksctl create cluster -f <file with the new spec.nodePools>`,
    },
  );
}

async function managedProvider(spec: ClusterSpec, deps: ManagerDeps): Promise<ManagedCloud> {
  const p = await loadProvider(spec.provider, 'managed', deps.providerHooks);
  if (p.kind !== 'managed') throw new Error(`provider ${spec.provider} registered as managed is not`);
  return p;
}

function stepOptions(state: ClusterState, provider: ManagedCloud) {
  // The step ids carry the run they are planned for (recordedRun opens run number runs.length).
  return { run: state.runs.length, parallelPools: provider.provider === 'aws' };
}

function resultOf(changes: ManagedPoolChange[], steps: PoolChangeResult['steps']): PoolChangeResult {
  const count = (p: NodePoolSpec | undefined) => p?.count ?? 0;
  const pools = new Map<string, { name: string; from: number; to: number }>();
  for (const c of changes) {
    const row = pools.get(c.pool.name) ?? { name: c.pool.name, from: 0, to: 0 };
    if (c.kind === 'create') row.to = count(c.pool);
    else if (c.kind === 'delete') row.from = count(c.pool);
    else if (c.kind === 'scale') Object.assign(row, { from: c.from, to: c.to });
    else if (!pools.has(c.pool.name)) Object.assign(row, { from: c.previous.count, to: c.previous.count });
    pools.set(c.pool.name, row);
  }
  // Managed pools' nodes are the cloud's: which node joins or leaves is not ksctl's to name.
  return { steps, pools: [...pools.values()], added: [], removed: [] };
}
