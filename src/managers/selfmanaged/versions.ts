/** The cluster-level versions a self-managed create records, from what its machines reported. */
import type { ClusterSpec } from '../../api/types.js';
import type { ClusterState } from '../../state/types.js';

/**
 * The cluster's versions: what was asked for, and what control plane 0 runs as read back from it
 * (every machine's own is in `machines[*].installed`).
 */
export function recordClusterVersions(s: ClusterState, spec: ClusterSpec): void {
  const distribution = spec.distribution ?? 'k3s';
  const cp0 = Object.values(s.machines)
    .filter((m) => m.role === 'controlplane')
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))[0];
  if (spec.kubernetesVersion) s.versions.requested = spec.kubernetesVersion;
  s.versions.distribution = distribution;
  if (cp0?.installed) {
    s.versions.kubernetes = cp0.installed.kubernetes;
    s.versions[distribution] = cp0.installed.distribution;
  }
}
