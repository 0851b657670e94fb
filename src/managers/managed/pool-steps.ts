/**
 * One recorded step per pool change on a managed cluster. Each step asks the cloud and waits for its
 * operation (the cloud calls are idempotent ensures), then records the pool in state's spec, so a run
 * that stops midway leaves state saying exactly which changes are done: the next run's diff holds
 * only the rest. A managed pool's scale-down and deletion are the cloud's: it cordons and drains.
 */
import { formatTaint } from '../../api/k8s-labels.js';
import { isPlainDefaultPool } from '../../api/pools.js';
import { DEFAULT_POOL, type ClusterSpec, type NodePoolSpec } from '../../api/types.js';
import type { ManagedCloud } from '../../cloud/types.js';
import { ProviderError } from '../../errors.js';
import type { Step, StepContext } from '../../pipeline/types.js';
import type { ManagedPoolChange } from './pool-diff.js';

const poolOf = (c: ManagedPoolChange) => c.pool.name;

function describeChange(c: ManagedPoolChange): Pick<Step, 'title' | 'details'> {
  const p = c.pool;
  switch (c.kind) {
    case 'create':
      return {
        title: `Create node pool ${p.name}`,
        details: {
          size: p.size,
          count: p.count,
          spot: p.spot,
          ...(p.min !== undefined ? { min: p.min } : {}),
          ...(p.max !== undefined ? { max: p.max } : {}),
          ...(Object.keys(p.labels).length ? { labels: p.labels } : {}),
          ...(p.taints.length ? { taints: p.taints.map(formatTaint) } : {}),
          ...(p.zones ? { zones: p.zones } : {}),
        },
      };
    case 'delete':
      return { title: `Delete node pool ${p.name} (the cloud drains its nodes)`, details: { count: p.count } };
    case 'scale':
      return {
        title: `Scale node pool ${p.name} from ${c.from} to ${c.to}${c.to < c.from ? ' (the cloud drains the nodes it removes)' : ''}`,
        details: { from: c.from, to: c.to },
      };
    case 'update':
      return { title: `Update node pool ${p.name}: ${c.aspects.join(', ')}`, details: { change: c.aspects } };
  }
}

/** Runs the cloud's part of one change. */
async function apply(provider: ManagedCloud, ctx: StepContext, c: ManagedPoolChange): Promise<void> {
  const missing = (call: string) =>
    new ProviderError(`provider ${provider.provider} cannot ${call} a node pool of a managed cluster`);
  switch (c.kind) {
    case 'create':
      if (!provider.createNodePool) throw missing('create');
      return provider.createNodePool(ctx, c.pool);
    case 'delete':
      if (!provider.deleteNodePool) throw missing('delete');
      return provider.deleteNodePool(ctx, c.pool.name);
    case 'scale':
      if (!provider.scaleNodePool) throw missing('scale');
      return provider.scaleNodePool(ctx, c.pool.name, c.to);
    case 'update':
      if (!provider.updateNodePool) throw missing('update');
      return provider.updateNodePool(ctx, c.pool, c.previous);
  }
}

/**
 * The recorded spec after one change: the pool added, removed, or with the changed fields set (an
 * update keeps the recorded count; a scale sets only the count). A default pool that `spec.workers`
 * stands for keeps `workers` in step, so the spec stays what a file with that pool resolves to.
 */
export function recordChange(spec: ClusterSpec, c: ManagedPoolChange): void {
  const pools = spec.nodePools;
  const i = pools.findIndex((p) => p.name === c.pool.name);
  const wasPlain = i >= 0 && isPlainDefaultPool(pools[i]!, spec.workers);
  if (c.kind === 'delete') {
    if (i >= 0) pools.splice(i, 1);
    return;
  }
  const copy = (p: NodePoolSpec): NodePoolSpec => structuredClone(p);
  if (c.kind === 'create' || i < 0) {
    if (i >= 0) pools[i] = copy(c.pool);
    else pools.push(copy(c.pool));
    return;
  }
  const had = pools[i]!;
  if (c.kind === 'scale') had.count = c.to;
  else pools[i] = { ...copy(c.pool), count: had.count };
  if (wasPlain && c.pool.name === DEFAULT_POOL && c.kind === 'scale') spec.workers.count = c.to;
}

export interface PoolStepsOptions {
  /** The run these steps belong to: step ids must never repeat one of an earlier run (those count as done). */
  run: number;
  /** Changes to different pools may run at once (EKS); AKS and GKE take one operation at a time per cluster. */
  parallelPools: boolean;
}

/**
 * The steps, in the diff's order: a pool's own changes one after the other (a shrink scales before
 * it narrows the bounds, a growth widens them first), and pools after each other unless
 * `parallelPools`.
 */
export function poolSteps(provider: ManagedCloud, changes: ManagedPoolChange[], opts: PoolStepsOptions): Step[] {
  const ordered = orderChanges(changes);
  const steps: Step[] = [];
  const lastOfPool = new Map<string, string>();
  let last: string | undefined;
  for (const c of ordered) {
    const id = `run${opts.run}/nodepool/${poolOf(c)}/${c.kind}`;
    const before = opts.parallelPools ? lastOfPool.get(poolOf(c)) : last;
    steps.push({
      id,
      ...describeChange(c),
      target: poolOf(c),
      needs: before ? [before] : [],
      run: async (ctx) => {
        await apply(provider, ctx, c);
        await ctx.cluster.update((s) => recordChange(s.spec, c));
      },
    });
    lastOfPool.set(poolOf(c), id);
    last = id;
  }
  return steps;
}

/** Within a pool: scale before update when shrinking (bounds narrow after), update first otherwise. */
function orderChanges(changes: ManagedPoolChange[]): ManagedPoolChange[] {
  const out = [...changes];
  for (let i = 0; i + 1 < out.length; i++) {
    const [a, b] = [out[i]!, out[i + 1]!];
    if (a.kind === 'update' && b.kind === 'scale' && a.pool.name === b.pool.name && b.to < b.from) {
      out[i] = b;
      out[i + 1] = a;
    }
  }
  return out;
}
