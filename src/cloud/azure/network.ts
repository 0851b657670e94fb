/** `infra/network`: one virtual network with one subnet for every machine of the cluster. */
import { subnetCidr as nthSubnet } from '../common/cidr.js';
import { recorded } from '../common/record.js';
import { ProviderError } from '../../errors.js';
import { ensureArm } from './arm.js';
import type { AzCtx } from './context.js';
import { SUBNET_NAME, tagsFor, vnetName } from './naming.js';

export const VNET_KEY = 'vnet';

/** The first subnet-sized block of the VNet range (a /16 gives a /20). */
export const subnetCidr = (cidr: string): string => nthSubnet(cidr, 0);

export async function ensureNetwork(cloud: AzCtx): Promise<void> {
  const name = vnetName(cloud.spec);
  const prefix = subnetCidr(cloud.spec.network.cidr);
  const vnet = await ensureArm(
    cloud,
    cloud.api.virtualNetworks,
    name,
    () => ({
      location: cloud.spec.region,
      tags: tagsFor(cloud.spec, VNET_KEY, 'network'),
      addressSpace: { addressPrefixes: [cloud.spec.network.cidr] },
      subnets: [{ name: SUBNET_NAME, addressPrefix: prefix }],
    }),
    { key: VNET_KEY, kind: 'azure:virtual-network', data: { cidr: cloud.spec.network.cidr, subnet: prefix } },
  );
  const subnets = (vnet['subnets'] as { id?: string; name?: string }[] | undefined) ?? [];
  if (!subnets.some((s) => s.name === SUBNET_NAME))
    throw new ProviderError(`virtual network ${name} has no subnet ${SUBNET_NAME}`);
}

/** The subnet's resource id, from state (infra/network ran first). */
export function recordedSubnetId(cloud: AzCtx): string {
  const rec = recorded(cloud.ctx, VNET_KEY);
  if (!rec) throw new ProviderError('no virtual network in state: infra/network must run first');
  return `${rec.id}/subnets/${SUBNET_NAME}`;
}
