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

export async function ensureNetwork(a: AzCtx): Promise<void> {
  const name = vnetName(a.spec);
  const prefix = subnetCidr(a.spec.network.cidr);
  const vnet = await ensureArm(
    a,
    a.api.virtualNetworks,
    name,
    () => ({
      location: a.spec.region,
      tags: tagsFor(a.spec, VNET_KEY, 'network'),
      addressSpace: { addressPrefixes: [a.spec.network.cidr] },
      subnets: [{ name: SUBNET_NAME, addressPrefix: prefix }],
    }),
    { key: VNET_KEY, kind: 'azure:virtual-network', data: { cidr: a.spec.network.cidr, subnet: prefix } },
  );
  const subnets = (vnet['subnets'] as { id?: string; name?: string }[] | undefined) ?? [];
  if (!subnets.some((s) => s.name === SUBNET_NAME)) throw new ProviderError(`virtual network ${name} has no subnet ${SUBNET_NAME}`);
}

/** The subnet's resource id, from state (infra/network ran first). */
export function recordedSubnetId(a: AzCtx): string {
  const rec = recorded(a.ctx, VNET_KEY);
  if (!rec) throw new ProviderError('no virtual network in state: infra/network must run first');
  return `${rec.id}/subnets/${SUBNET_NAME}`;
}
