/**
 * AKS's version rules on a managed-cluster PUT (api 2025-x, ManagedClusterProperties.kubernetesVersion
 * and ManagedClusterAgentPoolProfile.orchestratorVersion): the control plane moves up one minor at a
 * time and never down; an agent pool is never newer than the control plane
 * (NodePoolMcVersionIncompatible); a pool sent without orchestratorVersion takes the cluster's
 * (which is why a control-plane-only upgrade sends every pool's own version back).
 */
import { armError, type Reply } from './fake-azure.js';
import type { Json } from './model.js';

/** ARM sends versions as strings; anything else reads as no version. */
const text = (v: unknown) => (typeof v === 'string' ? v : '');
const minor = (v: unknown) => Number(text(v).split('.')[1] ?? NaN);
const pools = (props: Json) => (props['agentPoolProfiles'] as Json[] | undefined) ?? [];

export function aksVersionRefusal(previous: Json | undefined, props: Json): Reply | undefined {
  const want = props['kubernetesVersion'] ?? previous?.['kubernetesVersion'];
  const had = previous?.['kubernetesVersion'];
  if (had !== undefined && want !== undefined) {
    if (minor(want) < minor(had))
      return armError(
        400,
        'OperationNotAllowed',
        `Downgrading Kubernetes version ${text(had)} to ${text(want)} is not allowed.`,
      );
    if (minor(want) > minor(had) + 1)
      return armError(
        400,
        'OperationNotAllowed',
        `Upgrading Kubernetes version ${text(had)} to ${text(want)} is not allowed: upgrade one minor version at a time.`,
      );
  }
  for (const p of pools(props)) {
    const v = p['orchestratorVersion'];
    if (v !== undefined && minor(v) > minor(want))
      return armError(
        400,
        'NodePoolMcVersionIncompatible',
        `Node pool ${String(p['name'])} version ${text(v)} and control plane version ${text(want)} are incompatible: a node pool cannot be newer than the control plane.`,
      );
  }
  return undefined;
}

/** What AKS fills in: every pool's orchestratorVersion (the cluster's when not sent) and current version. */
export function fillAksVersions(props: Json): void {
  for (const p of pools(props)) {
    p['orchestratorVersion'] ??= props['kubernetesVersion'];
    p['currentOrchestratorVersion'] = p['orchestratorVersion'];
  }
}
