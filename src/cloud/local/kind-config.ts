/** The kind cluster config for a spec (pure, shown by --dry-run). */
import { toYaml } from '../../util/yaml-write.js';
import { KIND, isPatchVersion, minorOf } from '../../api/catalog.js';
import type { ClusterSpec } from '../../api/types.js';

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

export function kindConfig(spec: ClusterSpec): string {
  const nodes = [
    ...Array.from({ length: spec.controlPlane.count }, () => ({ role: 'control-plane' })),
    ...Array.from({ length: spec.workers.count }, () => ({ role: 'worker' })),
  ];
  return toYaml({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', name: kindClusterName(spec), nodes });
}
