/**
 * Re-running `create` resumes a cluster; it must not silently change one. A spec that differs from the
 * recorded one in anything but cosmetic fields is a conflict (exit 3) pointing at the day-2 commands.
 */
import { formatClusterId, clusterIdOf, type ClusterSpec } from '../api/types.js';
import { ConflictError } from '../errors.js';

const stable = (v: unknown): string =>
  JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : val,
  );

/**
 * Fields a resumed `create` may change. `kubelet.allowCgroupV1` is the operator's consent asked for by
 * the host preflight, which stops before anything is installed: giving it on the re-run is how to
 * proceed (a spec recorded before the field existed has no `kubelet` at all).
 */
function comparable(spec: ClusterSpec): Record<string, unknown> {
  const { allowCgroupV1: _consent, ...kubelet } = spec.kubelet ?? {};
  // A spec recorded before `airgap.images` existed lists none: the same as an empty list.
  const airgap = spec.airgap ? { ...spec.airgap, images: spec.airgap.images ?? [] } : spec.airgap;
  return { ...spec, kubelet, airgap };
}

export function specDifferences(a: ClusterSpec, b: ClusterSpec): string[] {
  const [ca, cb] = [comparable(a), comparable(b)];
  const keys = new Set([...Object.keys(ca), ...Object.keys(cb)]);
  return [...keys].filter((k) => stable(ca[k]) !== stable(cb[k])).sort();
}

export function assertSameSpec(recorded: ClusterSpec, requested: ClusterSpec): void {
  const diff = specDifferences(recorded, requested);
  if (diff.length > 0) {
    throw new ConflictError(
      `cluster ${formatClusterId(clusterIdOf(requested))} already exists with a different spec (${diff.join(', ')})`,
      {
        hint: "re-run with the original settings to resume; 'ksctl apply -f <file> --dry-run' shows what would change in place",
      },
    );
  }
}
