/**
 * Day 2: GKE's own upgrade. The control plane through clusters.updateMaster (masterVersion: the full
 * GKE version the live server config offers, e.g. 1.37.2-gke.1000), then each node pool through
 * nodePools.update with nodeVersion (GKE surges and drains its nodes) and the pool's own image type
 * (the request requires one; keeping the pool's changes nothing else).
 */
import type { GcpCtx } from '../context.js';
import { getOrUndefined } from '../operations.js';
import { clusterPath } from './cluster.js';
import { poolPath } from './nodepools.js';
import { clusterWhen, mutate, poolWhen } from './updates.js';

/** The image type create gives every pool (nodepools.ts), for a pool that reports none. */
const DEFAULT_IMAGE_TYPE = 'COS_CONTAINERD';

export async function upgradeGkeMaster(cloud: GcpCtx, version: string): Promise<void> {
  const c = await clusterWhen(cloud, `GKE cluster ${cloud.spec.name} to be RUNNING`, () => true);
  if (c.currentMasterVersion === version) {
    cloud.log.info(`GKE cluster ${cloud.spec.name} already runs ${version}`);
    return;
  }
  cloud.log.info(`upgrading GKE control plane of ${cloud.spec.name} from ${c.currentMasterVersion} to ${version}`);
  await mutate(cloud, `upgrade the control plane of ${cloud.spec.name}`, () =>
    cloud.api.gke.updateMaster(clusterPath(cloud), version),
  );
  await clusterWhen(
    cloud,
    `GKE control plane of ${cloud.spec.name} to run ${version}`,
    (now) => now.currentMasterVersion === version,
  );
}

export async function upgradeGkePool(cloud: GcpCtx, pool: string, version: string): Promise<void> {
  const path = poolPath(cloud, pool);
  const p = await poolWhen(cloud, path, `node pool ${pool} to be RUNNING`, () => true);
  if (p.version === version) {
    cloud.log.info(`node pool ${pool} already runs ${version}`);
    return;
  }
  cloud.log.info(`upgrading node pool ${pool} from ${p.version} to ${version}`);
  const imageType = p.config?.imageType || DEFAULT_IMAGE_TYPE;
  await mutate(cloud, `upgrade node pool ${pool}`, async () => {
    // Sent only while the pool still needs it: a retry after "another operation" may find it done.
    const now = await getOrUndefined(() => cloud.api.gke.getNodePool(path));
    if (now?.version !== version) await cloud.api.gke.updateNodePool({ name: path, nodeVersion: version, imageType });
  });
  await poolWhen(cloud, path, `node pool ${pool} to run ${version}`, (now) => now.version === version);
}
