/**
 * Delete: the cluster's resource group and everything in it, in one long-running ARM operation —
 * but only after confirming the group carries our `ksctl.io/cluster` tag for this cluster. A group
 * that is gone is done; a crash mid-delete is resumed by issuing the (idempotent) DELETE again.
 */
import type { AzCtx } from './context.js';
import { isNotFound } from './errors.js';
import { ownedGroup } from './resource-group.js';
import { withCredentials } from './checks.js';

export async function destroyCluster(cloud: AzCtx): Promise<void> {
  const group = await withCredentials(() => ownedGroup(cloud));
  if (group) {
    cloud.log.info(`deleting resource group ${cloud.group} and everything in it`);
    try {
      await cloud.api.resourceGroups.delete(cloud.group);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  const state = cloud.ctx.cluster.state;
  const ours = (kind: string) => kind.startsWith('azure:');
  if (state && (Object.values(state.resources).some((r) => ours(r.kind)) || Object.keys(state.machines).length > 0)) {
    await cloud.ctx.cluster.update((s) => {
      for (const [k, r] of Object.entries(s.resources)) if (ours(r.kind)) delete s.resources[k];
      s.machines = {};
    });
  }
}
