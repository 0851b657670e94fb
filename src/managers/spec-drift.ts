/**
 * Re-running `create` resumes a cluster; it must not silently change one. A spec that differs from the
 * recorded one in anything but cosmetic fields is a conflict (exit 3) pointing at the day-2 commands.
 */
import { formatClusterId, clusterIdOf, type ClusterSpec } from '../api/types.js';
import { ConflictError } from '../errors.js';

const stable = (v: unknown): string => JSON.stringify(v, (_k, val: unknown) => (val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : val));

export function specDifferences(a: ClusterSpec, b: ClusterSpec): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof ClusterSpec)[]);
  return [...keys].filter((k) => stable(a[k]) !== stable(b[k])).sort();
}

export function assertSameSpec(recorded: ClusterSpec, requested: ClusterSpec): void {
  const diff = specDifferences(recorded, requested);
  if (diff.length > 0) {
    throw new ConflictError(
      `cluster ${formatClusterId(clusterIdOf(requested))} already exists with a different spec (${diff.join(', ')})`,
      { hint: "re-run with the original settings to resume, use 'ksctl scale' for workers, or delete it first" },
    );
  }
}
