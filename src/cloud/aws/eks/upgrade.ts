/**
 * Day 2: EKS's own upgrade. The control plane through UpdateClusterVersion (one minor at a time, EKS
 * picks the patch), then each managed node group through UpdateNodegroupVersion (EKS rolls its nodes
 * onto the new AMI, draining each first). Each call is skipped when the version is already there, so
 * a re-run after a crash resumes where the cloud is.
 */
import { minorOf } from '../../../api/catalog.js';
import type { AwsCtx } from '../context.js';
import {
  activeCluster,
  activeNodegroup,
  CLUSTER_UPDATE_TIMEOUT_MS,
  NODEGROUP_UPDATE_TIMEOUT_MS,
  waitUpdate,
} from './updates.js';

export async function upgradeEksControlPlane(cloud: AwsCtx, version: string): Promise<void> {
  const minor = minorOf(version);
  const c = await activeCluster(cloud);
  if (c.version === minor) {
    cloud.log.info(`EKS cluster ${cloud.spec.name} already runs ${minor}`);
    return;
  }
  cloud.log.info(`upgrading EKS cluster ${cloud.spec.name} from ${c.version} to ${minor}`);
  const out = await cloud.aws.eks.updateClusterVersion({ name: cloud.spec.name, version: minor });
  await waitUpdate(cloud, out.update, `control plane to ${minor}`, { timeoutMs: CLUSTER_UPDATE_TIMEOUT_MS });
}

export async function upgradeEksNodegroup(cloud: AwsCtx, nodegroupName: string, version: string): Promise<void> {
  const minor = minorOf(version);
  const ng = await activeNodegroup(cloud, nodegroupName);
  if (ng.version === minor) {
    cloud.log.info(`node group ${nodegroupName} already runs ${minor}`);
    return;
  }
  cloud.log.info(`upgrading node group ${nodegroupName} from ${ng.version} to ${minor}`);
  const out = await cloud.aws.eks.updateNodegroupVersion({
    clusterName: cloud.spec.name,
    nodegroupName,
    version: minor,
  });
  await waitUpdate(cloud, out.update, `node group ${nodegroupName} to ${minor}`, {
    nodegroupName,
    timeoutMs: NODEGROUP_UPDATE_TIMEOUT_MS,
  });
}
