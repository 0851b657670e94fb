/**
 * The apply diff: a cluster file (resolved and validated) against the cluster's state, as a typed plan.
 * Pure and linear in the size of the cluster (one pass over the machines, maps by pool name), so a
 * 1,000-node cluster diffs in well under a millisecond (`npm run bench -- apply`).
 *
 * What may change in place: pools added, removed and resized, their min/max, labels and taints, and
 * the allowed CIDRs. Everything that would need the cluster rebuilt is refused by name
 * (immutable.ts); a different Kubernetes version is for `ksctl upgrade`.
 */
import { minorOf } from '../../api/catalog.js';
import { formatTaint } from '../../api/k8s-labels.js';
import { clusterIdOf, DEFAULT_POOL, type ClusterSpec, type NodePoolSpec } from '../../api/types.js';
import type { ClusterState } from '../../state/types.js';
import { clusterRefusals, poolRefusals } from './immutable.js';
import type { ApplyChange, ApplyPlan } from './types.js';

export function computeApplyPlan(state: ClusterState, requested: ClusterSpec): ApplyPlan {
  const recorded = state.spec;
  const refused = clusterRefusals(recorded, requested);
  const changes: ApplyChange[] = [];

  const cidrs = cidrChange(recorded.network.allowCidrs, requested.network.allowCidrs);
  if (cidrs) changes.push(cidrs);

  const machines = state.type === 'selfmanaged' ? workersByPool(state) : undefined;
  const before = new Map(recorded.nodePools.map((p) => [p.name, p]));
  const after = new Set(requested.nodePools.map((p) => p.name));
  for (const want of requested.nodePools) {
    const had = before.get(want.name);
    if (!had) {
      changes.push({ kind: 'pool-add', pool: want });
      continue;
    }
    refused.push(...poolRefusals(had, want, requested));
    const now = machines?.get(want.name) ?? (machines ? 0 : undefined);
    // A pool whose machines differ from its recorded count (a scale that stopped midway) is converged too.
    if (had.count !== want.count || (now !== undefined && now !== want.count)) {
      changes.push({
        kind: 'pool-resize',
        pool: want.name,
        from: now ?? had.count,
        to: want.count,
        ...(now !== undefined ? { machines: now } : {}),
      });
    }
    if (had.min !== want.min || had.max !== want.max) {
      changes.push({ kind: 'pool-bounds', pool: want.name, from: bounds(had), to: bounds(want) });
    }
    const labels = labelChange(want.name, had.labels, want.labels);
    if (labels) changes.push(labels);
    const taints = taintChange(want.name, had, want);
    if (taints) changes.push(taints);
  }
  for (const had of recorded.nodePools) {
    if (!after.has(had.name))
      changes.push({ kind: 'pool-remove', pool: had, ...(machines ? { machines: machines.get(had.name) ?? 0 } : {}) });
  }

  const upgrade = versionChange(state, requested);
  return { cluster: clusterIdOf(requested), type: requested.type, changes, ...(upgrade ? { upgrade } : {}), refused };
}

/** Worker machines per pool; machines recorded before pools existed belong to the default pool. */
function workersByPool(state: ClusterState): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of Object.values(state.machines)) {
    if (m.role !== 'worker' || m.status === 'removing') continue;
    const pool = m.pool ?? DEFAULT_POOL;
    counts.set(pool, (counts.get(pool) ?? 0) + 1);
  }
  return counts;
}

const bounds = (p: NodePoolSpec) => ({
  ...(p.min !== undefined ? { min: p.min } : {}),
  ...(p.max !== undefined ? { max: p.max } : {}),
});

function cidrChange(from: string[], to: string[]): ApplyChange | undefined {
  const [a, b] = [new Set(from), new Set(to)];
  const added = to.filter((c) => !a.has(c));
  const removed = from.filter((c) => !b.has(c));
  return added.length || removed.length ? { kind: 'allow-cidrs', from, to, added, removed } : undefined;
}

function labelChange(pool: string, from: Record<string, string>, to: Record<string, string>): ApplyChange | undefined {
  const added: Record<string, string> = {};
  const removed: Record<string, string> = {};
  const changed: { key: string; from: string; to: string }[] = [];
  for (const [k, v] of Object.entries(to)) {
    if (!(k in from)) added[k] = v;
    else if (from[k] !== v) changed.push({ key: k, from: from[k]!, to: v });
  }
  for (const [k, v] of Object.entries(from)) if (!(k in to)) removed[k] = v;
  return Object.keys(added).length || Object.keys(removed).length || changed.length
    ? { kind: 'pool-labels', pool, added, changed, removed }
    : undefined;
}

function taintChange(pool: string, had: NodePoolSpec, want: NodePoolSpec): ApplyChange | undefined {
  const a = new Set(had.taints.map(formatTaint));
  const b = new Set(want.taints.map(formatTaint));
  const added = want.taints.filter((t) => !a.has(formatTaint(t)));
  const removed = had.taints.filter((t) => !b.has(formatTaint(t)));
  return added.length || removed.length ? { kind: 'pool-taints', pool, added, removed } : undefined;
}

/**
 * A version the file asks for that the cluster does not run. A minor in the file matches any patch of
 * it; no version in the file (managed: the cloud's default) matches whatever was installed.
 */
function versionChange(state: ClusterState, requested: ClusterSpec): { from: string; to: string } | undefined {
  const want = requested.kubernetesVersion?.replace(/^v/, '');
  if (want === undefined) return undefined;
  const running = (state.versions.kubernetes ?? state.spec.kubernetesVersion)?.replace(/^v/, '');
  if (running === undefined) return undefined;
  const same =
    want === minorOf(want)
      ? minorOf(running) === want
      : running === want || (running === minorOf(running) && minorOf(want) === running);
  return same ? undefined : { from: running, to: want };
}
