/**
 * Day 2: AKS's own upgrade. The control plane first, alone: the cluster PUT with the new
 * `kubernetesVersion` and every agent pool's `orchestratorVersion` kept as it is (what `az aks
 * upgrade --control-plane-only` sends), then the system pool (it runs the cluster's own add-ons and
 * is no user pool), then each user pool by its `orchestratorVersion` (AKS surges and drains its nodes).
 */
import { ProviderError } from '../../errors.js';
import { poolName, SYSTEM_POOL } from './aks.js';
import { changeAks, versionMeets, type AgentPoolProfile } from './aks-update.js';
import type { AzCtx } from './context.js';
import type { ArmResource } from './sdk.js';

const pools = (c: ArmResource) => (c['agentPoolProfiles'] as AgentPoolProfile[] | undefined) ?? [];
const clusterVersion = (c: ArmResource) =>
  (c['currentKubernetesVersion'] as string | undefined) ?? (c['kubernetesVersion'] as string | undefined);

export async function upgradeAksControlPlane(cloud: AzCtx, version: string): Promise<void> {
  await changeAks(
    cloud,
    `control plane to Kubernetes ${version}`,
    (c) => versionMeets(clusterVersion(c), version),
    (c) => ({
      ...c,
      kubernetesVersion: version,
      // Pinned, so the PUT upgrades the control plane only (a pool without a version would follow it).
      agentPoolProfiles: pools(c).map((p) => ({
        ...p,
        orchestratorVersion: p.orchestratorVersion ?? p.currentOrchestratorVersion ?? clusterVersion(c),
      })),
    }),
  );
  await upgradeAksPool(cloud, SYSTEM_POOL, version);
}

export async function upgradeAksPool(cloud: AzCtx, pool: string, version: string): Promise<void> {
  const name = pool === SYSTEM_POOL ? SYSTEM_POOL : poolName(pool);
  const find = (c: ArmResource) => {
    const p = pools(c).find((x) => x.name === name);
    if (!p) throw new ProviderError(`AKS cluster has no agent pool ${name} (pool ${pool})`);
    return p;
  };
  await changeAks(
    cloud,
    `agent pool ${name} to Kubernetes ${version}`,
    (c) => versionMeets(find(c).currentOrchestratorVersion ?? find(c).orchestratorVersion, version),
    (c) => ({
      ...c,
      agentPoolProfiles: pools(c).map((p) => (p.name === name ? { ...p, orchestratorVersion: version } : p)),
    }),
  );
}
