/**
 * The name ksctl gives a cluster's context, cluster and user entries in the user's kubeconfig:
 * `ksctl-<provider>-<region>-<name>`. Stable and unique per (provider, region, name), and sorted
 * together in `kubectl config get-contexts`.
 */
import type { ClusterId } from '../api/types.js';

export function contextName(id: ClusterId): string {
  return `ksctl-${id.provider}-${id.region}-${id.name}`;
}
