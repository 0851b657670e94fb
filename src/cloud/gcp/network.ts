/**
 * `infra/network`: a custom-mode VPC network and one subnetwork in the cluster's region. Networks and
 * subnetworks have no labels: they are found by deterministic name and claimed by the ownership
 * marker in their description. Created with a `requestId` naming this incarnation and request.
 */
import { ConflictError, ProviderError } from '../../errors.js';
import { incarnationOf } from '../common/incarnation.js';
import { ensureRecorded, recorded } from '../common/record.js';
import type { GcpCtx } from './context.js';
import { networkName, ownedBy, ownerDescription, requestId, subnetName } from './naming.js';
import { getOrUndefined, insertAndWait } from './operations.js';

export const NETWORK_KEY = 'network';
export const SUBNET_KEY = 'subnet';

export const networkId = (name: string) => `global/networks/${name}`;
export const subnetId = (region: string, name: string) => `regions/${region}/subnetworks/${name}`;

function claim(cloud: GcpCtx, what: string, name: string, description: string | null | undefined): void {
  if (!ownedBy(description, cloud.spec)) {
    throw new ConflictError(
      `${what} ${name} exists in project ${cloud.project} but was not created by ksctl for ${cloud.key}`,
      {
        hint: 'delete it or choose another cluster name',
      },
    );
  }
}

export async function ensureNetwork(cloud: GcpCtx, zones: string[]): Promise<void> {
  const { gce } = cloud.api;
  const name = networkName(cloud.spec);
  const net = await getOrUndefined(() => gce.getNetwork(name));
  if (net) claim(cloud, 'network', name, net.description);
  else {
    cloud.log.info(`creating network ${name}`);
    const resource = {
      name,
      autoCreateSubnetworks: false,
      routingConfig: { routingMode: 'REGIONAL' },
      description: ownerDescription(cloud.spec, 'network'),
    };
    await insertAndWait(cloud, `network ${name}`, () =>
      gce.insertNetwork(resource, requestId(cloud.spec, incarnationOf(cloud.ctx), `network/${name}`, resource)),
    );
  }
  await ensureRecorded(cloud.ctx, NETWORK_KEY, { kind: 'gcp:network', id: networkId(name), name });

  const sub = subnetName(cloud.spec);
  const existing = await getOrUndefined(() => gce.getSubnetwork(cloud.spec.region, sub));
  if (existing) {
    claim(cloud, 'subnetwork', sub, existing.description);
    if (existing.ipCidrRange !== cloud.spec.network.cidr) {
      throw new ConflictError(
        `subnetwork ${sub} has range ${existing.ipCidrRange}, the spec asks for ${cloud.spec.network.cidr}`,
      );
    }
  } else {
    cloud.log.info(`creating subnetwork ${sub} (${cloud.spec.network.cidr})`);
    const resource = {
      name: sub,
      network: networkId(name),
      ipCidrRange: cloud.spec.network.cidr,
      region: cloud.spec.region,
      privateIpGoogleAccess: true,
      description: ownerDescription(cloud.spec, 'subnetwork'),
    };
    await insertAndWait(cloud, `subnetwork ${sub}`, () =>
      gce.insertSubnetwork(
        cloud.spec.region,
        resource,
        requestId(cloud.spec, incarnationOf(cloud.ctx), `subnetwork/${sub}`, resource),
      ),
    );
  }
  await ensureRecorded(cloud.ctx, SUBNET_KEY, {
    kind: 'gcp:subnetwork',
    id: subnetId(cloud.spec.region, sub),
    name: sub,
    data: { zones },
  });
}

/** The zones recorded with the subnetwork (where machines go), if infra/network ran. */
export function recordedZones(cloud: GcpCtx): string[] | undefined {
  const z = recorded(cloud.ctx, SUBNET_KEY)?.data?.zones;
  return Array.isArray(z) && z.length > 0 ? z : undefined;
}

export function requireSubnet(cloud: GcpCtx): string {
  const rec = recorded(cloud.ctx, SUBNET_KEY);
  if (!rec) throw new ProviderError('no subnetwork in state: infra/network must run first');
  return rec.id;
}
