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

function claim(g: GcpCtx, what: string, name: string, description: string | null | undefined): void {
  if (!ownedBy(description, g.spec)) {
    throw new ConflictError(`${what} ${name} exists in project ${g.project} but was not created by ksctl for ${g.key}`, {
      hint: 'delete it or choose another cluster name',
    });
  }
}

export async function ensureNetwork(g: GcpCtx, zones: string[]): Promise<void> {
  const { gce } = g.api;
  const name = networkName(g.spec);
  const net = await getOrUndefined(() => gce.getNetwork(name));
  if (net) claim(g, 'network', name, net.description);
  else {
    g.log.info(`creating network ${name}`);
    const resource = { name, autoCreateSubnetworks: false, routingConfig: { routingMode: 'REGIONAL' }, description: ownerDescription(g.spec, 'network') };
    await insertAndWait(g, `network ${name}`, () => gce.insertNetwork(resource, requestId(g.spec, incarnationOf(g.ctx), `network/${name}`, resource)));
  }
  await ensureRecorded(g.ctx, NETWORK_KEY, { kind: 'gcp:network', id: networkId(name), name });

  const sub = subnetName(g.spec);
  const existing = await getOrUndefined(() => gce.getSubnetwork(g.spec.region, sub));
  if (existing) {
    claim(g, 'subnetwork', sub, existing.description);
    if (existing.ipCidrRange !== g.spec.network.cidr) {
      throw new ConflictError(`subnetwork ${sub} has range ${existing.ipCidrRange}, the spec asks for ${g.spec.network.cidr}`);
    }
  } else {
    g.log.info(`creating subnetwork ${sub} (${g.spec.network.cidr})`);
    const resource = {
      name: sub,
      network: networkId(name),
      ipCidrRange: g.spec.network.cidr,
      region: g.spec.region,
      privateIpGoogleAccess: true,
      description: ownerDescription(g.spec, 'subnetwork'),
    };
    await insertAndWait(g, `subnetwork ${sub}`, () =>
      gce.insertSubnetwork(g.spec.region, resource, requestId(g.spec, incarnationOf(g.ctx), `subnetwork/${sub}`, resource)),
    );
  }
  await ensureRecorded(g.ctx, SUBNET_KEY, { kind: 'gcp:subnetwork', id: subnetId(g.spec.region, sub), name: sub, data: { zones } });
}

/** The zones recorded with the subnetwork (where machines go), if infra/network ran. */
export function recordedZones(g: GcpCtx): string[] | undefined {
  const z = recorded(g.ctx, SUBNET_KEY)?.data?.zones;
  return Array.isArray(z) && z.length > 0 ? z : undefined;
}

export function requireSubnet(g: GcpCtx): string {
  const rec = recorded(g.ctx, SUBNET_KEY);
  if (!rec) throw new ProviderError('no subnetwork in state: infra/network must run first');
  return rec.id;
}
