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

export const groupState = (g: ResourceGroup | undefined) => g?.properties?.provisioningState;

/** The group, or undefined; throws ConflictError when it exists but is not this cluster's. */
export async function ownedGroup(a: AzCtx): Promise<ResourceGroup | undefined> {
  const g = await getOrUndefined(() => a.api.resourceGroups.get(a.group));
  if (g && g.tags?.[TAG_CLUSTER] !== a.key) {
    throw new ConflictError(`resource group ${a.group} exists but was not created by ksctl for ${a.key}`, {
      hint: 'ksctl never uses or deletes a group it did not create: delete or rename it, or choose another cluster name',
    });
  }
  return g;
}

export async function ensureResourceGroup(a: AzCtx): Promise<void> {
  let g = await ownedGroup(a);
  if (groupState(g) === 'Deleting') {
    throw new ProviderError(`resource group ${a.group} is being deleted`, { hint: 'wait for the delete to finish, then run create again' });
  }
  if (!g) {
    a.log.info(`creating resource group ${a.group} in ${a.spec.region}`);
    g = await a.api.resourceGroups.put(a.group, { location: a.spec.region, tags: tagsFor(a.spec, RG_KEY, 'cluster') });
  }
  await ensureRecorded(a.ctx, RG_KEY, { kind: 'azure:resource-group', id: g.id ?? a.group, name: a.group });
}
