/**
 * The difference between a self-managed cluster's pools as state records them (spec.nodePools and the
 * worker machines by pool) and the pools asked for. Pure and level-based: it reads machines, not what
 * an earlier run meant to do, so a run that stopped midway (machines still pending, or marked removing)
 * is simply the next run's starting point.
 */
import { formatTaint } from '../../api/k8s-labels.js';
import type { NodePoolSpec } from '../../api/types.js';
import type { ClusterState, Machine } from '../../state/types.js';
import { poolOf } from './pool-of.js';

export interface PoolDelta {
  name: string;
  /** The pool as state records it (absent: created by this change). */
  recorded?: NodePoolSpec;
  /** The pool asked for (absent: deleted by this change). */
  target?: NodePoolSpec;
  /** Machines in the pool now, not being removed (pending ones included: they are finished, not made again). */
  live: Machine[];
  /** Machines an earlier run marked for removal and did not finish: removed whatever the target says. */
  removing: Machine[];
  /** Its machine count before (live machines) and after. */
  from: number;
  to: number;
  /** Labels or taints differ from the recorded pool's: set on the pool's nodes. */
  metadata: boolean;
  /** min or max differ: the spec only. */
  bounds: boolean;
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
const sameTaints = (a: NodePoolSpec['taints'], b: NodePoolSpec['taints']) => {
  const x = new Set(a.map(formatTaint));
  return a.length === b.length && b.every((t) => x.has(formatTaint(t)));
};

/** Every pool recorded or asked for, recorded order first, then new pools in the order asked. */
export function diffPools(state: ClusterState, target: readonly NodePoolSpec[]): PoolDelta[] {
  const spec = state.spec;
  const byPool = new Map<string, { live: Machine[]; removing: Machine[] }>();
  for (const m of Object.values(state.machines)) {
    if (m.role !== 'worker') continue;
    const pool = poolOf(spec, m);
    const entry = byPool.get(pool) ?? { live: [], removing: [] };
    (m.status === 'removing' ? entry.removing : entry.live).push(m);
    byPool.set(pool, entry);
  }
  const wanted = new Map(target.map((p) => [p.name, p]));
  const names = [...spec.nodePools.map((p) => p.name), ...target.map((p) => p.name)];
  // Machines of a pool no longer in the spec (a delete that stopped after forgetting the pool's entry).
  for (const pool of byPool.keys()) names.push(pool);
  const out: PoolDelta[] = [];
  for (const name of new Set(names)) {
    const recorded = spec.nodePools.find((p) => p.name === name);
    const want = wanted.get(name);
    const { live, removing } = byPool.get(name) ?? { live: [], removing: [] };
    out.push({
      name,
      ...(recorded ? { recorded } : {}),
      ...(want ? { target: want } : {}),
      live,
      removing,
      from: live.length,
      to: want?.count ?? 0,
      metadata:
        !!recorded &&
        !!want &&
        (!sameLabels(recorded.labels, want.labels) || !sameTaints(recorded.taints, want.taints)),
      bounds: !!recorded && !!want && (recorded.min !== want.min || recorded.max !== want.max),
    });
  }
  return out;
}

/** Whether a delta asks for anything at all (a pool whose every field and machine match needs no step). */
export function isIdle(d: PoolDelta): boolean {
  return (
    !!d.recorded &&
    !!d.target &&
    d.from === d.to &&
    d.recorded.count === d.to &&
    d.removing.length === 0 &&
    d.live.every((m) => m.status === 'bootstrapped') &&
    !d.metadata &&
    !d.bounds
  );
}
