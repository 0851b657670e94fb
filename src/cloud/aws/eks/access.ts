/**
 * Day 2: who may reach the EKS API endpoint — `resourcesVpcConfig.publicAccessCidrs` through
 * UpdateClusterConfig (an EndpointAccessUpdate), waited on until Successful. Compared first: EKS
 * refuses an update that changes nothing, and a re-run after the change makes no call.
 */
import type { AwsCtx } from '../context.js';
import { activeCluster, CLUSTER_UPDATE_TIMEOUT_MS, waitUpdate } from './updates.js';

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

export async function updateEksAccess(cloud: AwsCtx, cidrs: string[]): Promise<void> {
  const c = await activeCluster(cloud);
  if (sameSet(c.resourcesVpcConfig?.publicAccessCidrs ?? [], cidrs)) {
    cloud.log.info(`EKS cluster ${cloud.spec.name} already admits ${cidrs.join(', ')}`);
    return;
  }
  cloud.log.info(`EKS cluster ${cloud.spec.name}: API endpoint open to ${cidrs.join(', ')}`);
  const out = await cloud.aws.eks.updateClusterConfig({
    name: cloud.spec.name,
    resourcesVpcConfig: { endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: cidrs },
  });
  await waitUpdate(cloud, out.update, 'public access CIDRs', { timeoutMs: CLUSTER_UPDATE_TIMEOUT_MS });
}
