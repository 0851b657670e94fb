/**
 * The cluster's resource group: everything else lives in it, and deleting the cluster deletes it.
 * A group of that name that does not carry our `ksctl.io/cluster` tag is never used or deleted.
 */
import { ConflictError, ProviderError } from '../../errors.js';
import { ensureRecorded } from '../common/record.js';
import { getOrUndefined } from './arm.js';
import type { AzCtx } from './context.js';
import { TAG_CLUSTER, tagsFor } from './naming.js';
import type { ResourceGroup } from './sdk.js';

export const RG_KEY = 'resource-group';

export const groupState = (group: ResourceGroup | undefined) => group?.properties?.provisioningState;

/** The group, or undefined; throws ConflictError when it exists but is not this cluster's. */
export async function ownedGroup(cloud: AzCtx): Promise<ResourceGroup | undefined> {
  const group = await getOrUndefined(() => cloud.api.resourceGroups.get(cloud.group));
  if (group && group.tags?.[TAG_CLUSTER] !== cloud.key) {
    throw new ConflictError(`resource group ${cloud.group} exists but was not created by ksctl for ${cloud.key}`, {
      hint: 'ksctl never uses or deletes a group it did not create: delete or rename it, or choose another cluster name',
    });
  }
  return group;
}

export async function ensureResourceGroup(cloud: AzCtx): Promise<void> {
  let group = await ownedGroup(cloud);
  if (groupState(group) === 'Deleting') {
    throw new ProviderError(`resource group ${cloud.group} is being deleted`, {
      hint: 'wait for the delete to finish, then run create again',
    });
  }
  if (!group) {
    cloud.log.info(`creating resource group ${cloud.group} in ${cloud.spec.region}`);
    group = await cloud.api.resourceGroups.put(cloud.group, {
      location: cloud.spec.region,
      tags: tagsFor(cloud.spec, RG_KEY, 'cluster'),
    });
  }
  await ensureRecorded(cloud.ctx, RG_KEY, {
    kind: 'azure:resource-group',
    id: group.id ?? cloud.group,
    name: cloud.group,
  });
}
