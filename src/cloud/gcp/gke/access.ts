/**
 * Day 2: who may reach the GKE API endpoint. Create sets
 * `controlPlaneEndpointsConfig.ipEndpointsConfig.authorizedNetworksConfig` (the successor of the
 * deprecated masterAuthorizedNetworksConfig; the two are exclusive), so the change goes through the
 * same field: ClusterUpdate.desiredControlPlaneEndpointsConfig.
 */
import type { GcpCtx } from '../context.js';
import type { GkeCluster } from '../sdk.js';
import { clusterPath } from './cluster.js';
import { clusterWhen, mutate } from './updates.js';

const blocksOf = (c: GkeCluster) =>
  (c.controlPlaneEndpointsConfig?.ipEndpointsConfig?.authorizedNetworksConfig?.cidrBlocks ?? [])
    .map((b) => String(b.cidrBlock))
    .sort();

const same = (c: GkeCluster, cidrs: string[]) => blocksOf(c).join(',') === [...cidrs].sort().join(',');

export async function updateGkeAccess(cloud: GcpCtx, cidrs: string[]): Promise<void> {
  const now = await clusterWhen(cloud, `GKE cluster ${cloud.spec.name} to be RUNNING`, () => true);
  if (same(now, cidrs)) {
    cloud.log.info(`GKE cluster ${cloud.spec.name} already admits ${cidrs.join(', ')}`);
    return;
  }
  cloud.log.info(`GKE cluster ${cloud.spec.name}: API endpoint open to ${cidrs.join(', ')}`);
  await mutate(cloud, `update authorized networks of ${cloud.spec.name}`, () =>
    cloud.api.gke.updateCluster(clusterPath(cloud), {
      desiredControlPlaneEndpointsConfig: {
        ipEndpointsConfig: {
          authorizedNetworksConfig: {
            enabled: true,
            cidrBlocks: cidrs.map((cidrBlock) => ({ cidrBlock, displayName: 'ksctl operator' })),
          },
        },
      },
    }),
  );
  await clusterWhen(cloud, `GKE cluster ${cloud.spec.name} to admit ${cidrs.join(', ')}`, (c) => same(c, cidrs));
}
