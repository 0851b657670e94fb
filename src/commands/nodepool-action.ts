/**
 * The work behind `scale nodepool`, `create nodepool` and `delete nodepool`: the target pools come
 * from state and the flags (src/api/pool-target.ts checks them: exit 2 before any call), then one
 * reconcilePools call does the rest.
 */
import { drainFlagsOf, type DrainInput } from '../api/drain-input.js';
import type { DrainFlags, PoolTarget } from '../api/pool-change.js';
import { addedPools, removedPools, scaledPools } from '../api/pool-target.js';
import { findPool } from '../api/pools.js';
import { formatClusterId, type ClusterSpec } from '../api/types.js';
import type { ClusterLifecycle } from '../managers/index.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { day2 } from './day2.js';
import type { SelectFlags } from './get.js';
import type { CreatePoolFlags, PoolCommandFlags, ScaleFlags } from './nodepool.js';
import { printPoolChange } from './pool-output.js';

/** Nothing to drain when a pool is created, so no drain flags: the defaults. */
const NO_DRAIN: DrainInput = {};

async function changePools(
  cluster: string,
  flags: SelectFlags & { dryRun?: boolean },
  drainInput: DrainInput,
  g: GlobalOptions,
  cenv: CommandEnv,
  target: (spec: ClusterSpec) => { pools: PoolTarget; question: string; done: string },
): Promise<void> {
  const drain: DrainFlags = drainFlagsOf(drainInput);
  let done = '';
  const { io, id, result } = await day2(g, cenv, cluster, flags, (state) => {
    const t = target(state.spec);
    done = t.done;
    return {
      question: t.question,
      run: (lifecycle: ClusterLifecycle, cid) =>
        lifecycle.reconcilePools(cid, t.pools, { drain, ...(flags.dryRun ? { dryRun: true } : {}) }),
    };
  });
  await printPoolChange(io, g.output, id, result, { dryRun: !!flags.dryRun, done });
}

export async function scaleNodePool(
  cluster: string,
  pool: string,
  f: ScaleFlags,
  g: GlobalOptions,
  cenv: CommandEnv,
): Promise<void> {
  await changePools(cluster, f, f, g, cenv, (spec) => {
    const pools = scaledPools(spec, pool, f.count);
    const [from, to] = [findPool(spec, pool).count, pools.pools.find((p) => p.name === pool)!.count];
    const where = `node pool ${pool} of cluster ${formatClusterId(spec)}`;
    return {
      pools,
      question: `Scale ${where} from ${from} to ${to} node(s)?${to < from ? ` ${from - to} node(s) will be drained and deleted.` : ''}`,
      done: `Scaled ${where}: ${from} → ${to}.`,
    };
  });
}

export async function createNodePool(
  cluster: string,
  f: CreatePoolFlags,
  g: GlobalOptions,
  cenv: CommandEnv,
): Promise<void> {
  await changePools(cluster, f, NO_DRAIN, g, cenv, (spec) => {
    const pools = addedPools(spec, f);
    const p = pools.pools[pools.pools.length - 1]!;
    const where = `node pool ${p.name} (${p.count} × ${p.size || 'node'}${p.spot ? ', spot' : ''}) in cluster ${formatClusterId(spec)}`;
    return { pools, question: `Create ${where}?`, done: `Created ${where}.` };
  });
}

export async function deleteNodePool(
  cluster: string,
  pool: string,
  f: PoolCommandFlags,
  g: GlobalOptions,
  cenv: CommandEnv,
): Promise<void> {
  await changePools(cluster, f, f, g, cenv, (spec) => {
    const pools = removedPools(spec, pool);
    const n = findPool(spec, pool).count;
    const where = `node pool ${pool} of cluster ${formatClusterId(spec)}`;
    return {
      pools,
      question: `Delete ${where}? Its ${n} node(s) will be drained and deleted.`,
      done: `Deleted ${where}.`,
    };
  });
}
