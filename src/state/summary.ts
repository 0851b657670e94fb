/**
 * What `get clusters` shows of each cluster (and `-o json`/`-o yaml` print): a few fields of its state,
 * none of them secret. The local store caches these per state file (local/list-index.ts), so listing
 * hundreds of clusters does not read and check hundreds of documents.
 */
import type { Provider } from '../api/types.js';
import type { ClusterState } from './types.js';

/** One row of `get clusters`; field order is the order `-o json` prints. */
export interface ClusterSummary {
  name: string;
  provider: Provider;
  region: string;
  type: ClusterState['type'];
  phase: string;
  distribution: string | null;
  /** What runs (read back from the machines, or the version the cloud was asked for), else what was asked. */
  kubernetesVersion: string | null;
  controlPlanes: number;
  workers: number;
  context: string | null;
  createdAt: string;
}

export function summaryOf(s: ClusterState): ClusterSummary {
  return {
    name: s.id.name,
    provider: s.id.provider,
    region: s.id.region,
    type: s.type,
    phase: s.phase,
    distribution: s.spec.distribution ?? null,
    kubernetesVersion: s.versions.kubernetes ?? s.spec.kubernetesVersion ?? null,
    controlPlanes: s.spec.controlPlane.count,
    workers: s.spec.workers.count,
    context: s.kubeconfig?.context ?? null,
    createdAt: s.createdAt,
  };
}
