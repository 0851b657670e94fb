/**
 * What a managed cluster's node pools need to reach a target: pools created, deleted, scaled, and
 * labels, taints or bounds updated. Pure: recorded pools (state's spec) against the target list.
 * Fields the cloud fixes at a pool's creation (size, spot, zones) are refused by name, as apply does.
 */
import { formatTaint } from '../../api/k8s-labels.js';
import type { ClusterSpec, NodePoolSpec } from '../../api/types.js';
import { InputError } from '../../errors.js';
import { poolRefusals } from '../apply/immutable.js';

/** What an update step changes (one pool, in place). */
export type PoolAspect = 'labels' | 'taints' | 'bounds';

export type ManagedPoolChange =
  | { kind: 'create'; pool: NodePoolSpec }
  | { kind: 'delete'; pool: NodePoolSpec }
  | { kind: 'update'; pool: NodePoolSpec; previous: NodePoolSpec; aspects: PoolAspect[] }
  | { kind: 'scale'; pool: NodePoolSpec; from: number; to: number };

const sameLabels = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

const sameTaints = (a: NodePoolSpec['taints'], b: NodePoolSpec['taints']) => {
  const x = new Set(a.map(formatTaint));
  return x.size === new Set(b.map(formatTaint)).size && b.every((t) => x.has(formatTaint(t)));
};

/** The changes, in a stable order: per target pool (update before scale), then deletions. */
export function diffManagedPools(had: NodePoolSpec[], want: NodePoolSpec[]): ManagedPoolChange[] {
  const before = new Map(had.map((p) => [p.name, p]));
  const after = new Set(want.map((p) => p.name));
  const out: ManagedPoolChange[] = [];
  for (const pool of want) {
    const previous = before.get(pool.name);
    if (!previous) {
      out.push({ kind: 'create', pool });
      continue;
    }
    const aspects: PoolAspect[] = [];
    if (!sameLabels(previous.labels, pool.labels)) aspects.push('labels');
    if (!sameTaints(previous.taints, pool.taints)) aspects.push('taints');
    if (previous.min !== pool.min || previous.max !== pool.max) aspects.push('bounds');
    if (aspects.length > 0) out.push({ kind: 'update', pool, previous, aspects });
    if (previous.count !== pool.count) out.push({ kind: 'scale', pool, from: previous.count, to: pool.count });
  }
  for (const pool of had) if (!after.has(pool.name)) out.push({ kind: 'delete', pool });
  return out;
}

/**
 * Exit 2 when a kept pool changes what its machines were made with (size, spot, zones): the cloud
 * cannot change those in place. Names the field and says what to do instead.
 */
export function assertPoolsChangeable(had: NodePoolSpec[], next: ClusterSpec): void {
  const before = new Map(had.map((p) => [p.name, p]));
  const refused = next.nodePools.flatMap((p) => {
    const previous = before.get(p.name);
    return previous ? poolRefusals(previous, p, next) : [];
  });
  if (refused.length === 0) return;
  throw new InputError(
    `cannot change in place: ${refused.map((r) => `${r.field} (${r.from} → ${r.to})`).join(', ')}`,
    refused.map((r) => r.field),
    { hint: refused[0]!.why },
  );
}
