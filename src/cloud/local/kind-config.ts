/** The kind cluster config for a spec (pure, shown by --dry-run). */
import { toYaml } from '../../util/yaml-write.js';
import { KIND_NODE_IMAGES, minorOf } from '../../api/catalog.js';
import type { ClusterSpec } from '../../api/types.js';

/** kind cluster names are prefixed so ksctl never adopts or deletes a user's own kind cluster. */
export function kindClusterName(spec: Pick<ClusterSpec, 'name'>): string {
  return `ksctl-${spec.name}`;
}

export function kindNodeImage(spec: Pick<ClusterSpec, 'kubernetesVersion'>): string {
  const full = /^v?\d+\.\d+\.\d+$/.test(spec.kubernetesVersion);
  return full ? `kindest/node:v${spec.kubernetesVersion.replace(/^v/, '')}` : KIND_NODE_IMAGES[minorOf(spec.kubernetesVersion)]!;
}

export function kindConfig(spec: ClusterSpec): string {
  const nodes = [
    ...Array.from({ length: spec.controlPlane.count }, () => ({ role: 'control-plane' })),
    ...Array.from({ length: spec.workers.count }, () => ({ role: 'worker' })),
  ];
  return toYaml({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', name: kindClusterName(spec), nodes });
}
