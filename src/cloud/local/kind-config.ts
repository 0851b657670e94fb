/** The kind cluster config for a spec (pure, shown by --dry-run). */
import { toYaml } from '../../util/yaml-write.js';
import { KIND, isPatchVersion, minorOf } from '../../api/catalog.js';
import { defaultPoolOf } from '../../api/pools.js';
import type { ClusterSpec, NodePoolSpec } from '../../api/types.js';

/** kind cluster names are prefixed so ksctl never adopts or deletes a user's own kind cluster. */
export function kindClusterName(spec: Pick<ClusterSpec, 'name'>): string {
  return `ksctl-${spec.name}`;
}

/**
 * The node image to ask kind for: none without a version (kind's own default), the image kind's
 * release lists for a minor, `kindest/node:v<version>` for a full version.
 */
export function kindNodeImage(spec: Pick<ClusterSpec, 'kubernetesVersion'>): string | undefined {
  const v = spec.kubernetesVersion;
  if (v === undefined) return undefined;
  return isPatchVersion(v) ? `kindest/node:v${v.replace(/^v/, '')}` : KIND.images[minorOf(v)];
}

/** `kindest/node:v1.36.4@sha256:…` → `v1.36.4`. */
export function imageVersion(image: string): string | undefined {
  return /:(v\d+\.\d+\.\d+)/.exec(image)?.[1];
}

/**
 * One kind node per control plane and per pool node. kind's v1alpha4 `Node.labels` puts a pool's labels
 * (and ksctl.io/pool) on its workers at registration; kind has no per-node taints.
 */
export function kindConfig(spec: ClusterSpec): string {
  const nodes = [
    ...Array.from({ length: spec.controlPlane.count }, (): Record<string, unknown> => ({ role: 'control-plane' })),
    ...kindWorkerPools(spec).flatMap((p) =>
      Array.from({ length: p.count }, () => ({ role: 'worker', labels: { ...p.labels, 'ksctl.io/pool': p.name } })),
    ),
  ];
  return toYaml({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', name: kindClusterName(spec), nodes });
}

/** The pools kind makes workers for (a spec recorded before pools lists none: its workers are the default pool). */
export function kindWorkerPools(spec: ClusterSpec): NodePoolSpec[] {
  return spec.nodePools.length > 0 ? spec.nodePools : spec.workers.count > 0 ? [defaultPoolOf(spec.workers)] : [];
}
