/**
 * The cluster's network: a VPC, one public subnet per zone (up to three), an internet gateway and a
 * route table with the default route. Each piece: state id → tag lookup → create with tags, then
 * recorded immediately. Attributes and attachments are checked against what Describe says, so a
 * re-run after success makes no mutating call.
 */
import { InputError, ProviderError } from '../../errors.js';
import { subnetCidr } from '../common/cidr.js';
import { EKS_UNSUPPORTED_ZONE_IDS } from './eks/zones.js';
import { allPages, type AwsCtx } from './context.js';
import { hasCode, isNotFound } from './errors.js';
import { clusterFilter, resourceFilter, tagsFor, tagValue, TAG_RESOURCE } from './naming.js';
import { ensureRecorded, record, recorded } from '../common/record.js';
import type * as EC2 from '@aws-sdk/client-ec2';

export interface SubnetInfo {
  key: string;
  id: string;
  zone: string;
  cidr: string;
}

export interface NetworkResult {
  vpcId: string;
  subnets: SubnetInfo[];
  igwId: string;
  routeTableId: string;
}

export interface NetworkOptions {
  /** Fewer usable zones than this is an error (EKS needs two). */
  minZones: number;
  maxZones: number;
  /** Instance types the zones must offer. */
  sizes: string[];
  /** Extra subnet tags (EKS: `kubernetes.io/role/elb`). */
  subnetTags?: Record<string, string>;
  /** Leave out the zones EKS cannot put a control plane in. */
  eks?: boolean;
  /** Zones to take first (EKS pools that name their zones need a subnet there), even beyond maxZones. */
  prefer?: string[];
}

/** Runs `describe`; a NotFound means "no such resource". */
async function maybe<T>(describe: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await describe();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

async function ensureVpc(cloud: AwsCtx): Promise<EC2.Vpc> {
  const { ec2 } = cloud.aws;
  const rec = recorded(cloud.ctx, 'vpc');
  let vpc = rec ? await maybe(async () => (await ec2.describeVpcs({ VpcIds: [rec.id] })).Vpcs?.[0]) : undefined;
  vpc ??= (await ec2.describeVpcs({ Filters: [clusterFilter(cloud.spec), resourceFilter('vpc')] })).Vpcs?.sort((x, y) =>
    (x.VpcId ?? '').localeCompare(y.VpcId ?? ''),
  )[0];
  if (!vpc) {
    cloud.log.info(`creating VPC ${cloud.spec.network.cidr}`);
    const name = `ksctl-${cloud.spec.name}`;
    vpc = (
      await ec2.createVpc({
        CidrBlock: cloud.spec.network.cidr,
        TagSpecifications: [{ ResourceType: 'vpc', Tags: tagsFor(cloud.spec, 'vpc', 'network', name) }],
      })
    ).Vpc;
    if (!vpc?.VpcId) throw new ProviderError('CreateVpc returned no VPC id');
  }
  const vpcId = vpc.VpcId!;
  const rec2 = await ensureRecorded(cloud.ctx, 'vpc', {
    kind: 'aws:vpc',
    id: vpcId,
    name: `ksctl-${cloud.spec.name}`,
    data: { cidr: vpc.CidrBlock ?? cloud.spec.network.cidr },
  });
  if (rec2.data?.dnsHostnames !== true) {
    // Instances and EKS nodes need DNS hostnames; not settable at creation, so set and remember.
    await ec2.modifyVpcAttribute({ VpcId: vpcId, EnableDnsHostnames: { Value: true } });
    await record(cloud.ctx, 'vpc', { ...rec2, data: { dnsHostnames: true } });
  }
  return vpc;
}

/**
 * Zones that are available and offer every requested instance type (for EKS: minus the zone IDs EKS
 * refuses), ordered by zone ID. Zone names map to physical zones differently in every account, so
 * the ID is what the EKS exclusions and a stable order are about.
 */
export async function usableZones(cloud: AwsCtx, sizes: string[], opts: { eks?: boolean } = {}): Promise<string[]> {
  const { ec2 } = cloud.aws;
  const azs = await ec2.describeAvailabilityZones({
    Filters: [
      { Name: 'state', Values: ['available'] },
      { Name: 'zone-type', Values: ['availability-zone'] },
    ],
  });
  let zones = (azs.AvailabilityZones ?? [])
    .filter((z) => z.ZoneName && !(opts.eks && EKS_UNSUPPORTED_ZONE_IDS.has(z.ZoneId ?? '')))
    .sort((x, y) => (x.ZoneId ?? x.ZoneName!).localeCompare(y.ZoneId ?? y.ZoneName!))
    .map((z) => z.ZoneName!);
  const unique = [...new Set(sizes.filter(Boolean))];
  if (unique.length > 0) {
    const offers = await allPages(
      (NextToken) =>
        ec2.describeInstanceTypeOfferings({
          LocationType: 'availability-zone',
          Filters: [{ Name: 'instance-type', Values: unique }],
          ...(NextToken ? { NextToken } : {}),
        }),
      (o) => o.InstanceTypeOfferings,
    );
    zones = zones.filter((z) => unique.every((t) => offers.some((o) => o.Location === z && o.InstanceType === t)));
  }
  return zones;
}

async function ensureSubnets(cloud: AwsCtx, vpc: EC2.Vpc, opts: NetworkOptions): Promise<SubnetInfo[]> {
  const { ec2 } = cloud.aws;
  const vpcId = vpc.VpcId!;
  const tagged = await allPages(
    (NextToken) =>
      ec2.describeSubnets({
        Filters: [clusterFilter(cloud.spec), { Name: 'vpc-id', Values: [vpcId] }],
        ...(NextToken ? { NextToken } : {}),
      }),
    (o) => o.Subnets,
  );
  const found = new Map<string, EC2.Subnet>();
  for (const s of tagged) {
    const k = tagValue(s.Tags, TAG_RESOURCE);
    if (k?.startsWith('subnet/') && !found.has(k)) found.set(k, s);
  }
  // State may know a subnet a just-created tag index does not show yet.
  for (const key of Object.keys(cloud.ctx.cluster.state?.resources ?? {}).filter((k) => k.startsWith('subnet/'))) {
    const rec = recorded(cloud.ctx, key)!;
    if (!found.has(key)) {
      const s = await maybe(async () => (await ec2.describeSubnets({ SubnetIds: [rec.id] })).Subnets?.[0]);
      if (s) found.set(key, s);
    }
  }
  const usable = await usableZones(cloud, opts.sizes, { eks: !!opts.eks });
  const prefer = (opts.prefer ?? []).filter((z) => usable.includes(z));
  const zones = [...prefer, ...usable.filter((z) => !prefer.includes(z))];
  const count = Math.max(found.size, Math.min(opts.maxZones, zones.length), prefer.length);
  if (count < opts.minZones) {
    throw new InputError(
      `region ${cloud.spec.region} has ${zones.length} zone(s) offering ${opts.sizes.join(', ')}; at least ${opts.minZones} are needed`,
      ['spec.region'],
    );
  }
  const used = new Set([...found.values()].map((s) => s.AvailabilityZone));
  const out: SubnetInfo[] = [];
  for (let i = 0; i < count; i++) {
    const key = `subnet/${i}`;
    let s = found.get(key);
    if (!s) {
      const zone = zones.find((z) => !used.has(z));
      if (!zone) throw new ProviderError(`no free zone left for ${key} in ${cloud.spec.region}`);
      used.add(zone);
      const cidr = subnetCidr(cloud.spec.network.cidr, i);
      cloud.log.info(`creating subnet ${cidr} in ${zone}`);
      s = (
        await ec2.createSubnet({
          VpcId: vpcId,
          CidrBlock: cidr,
          AvailabilityZone: zone,
          TagSpecifications: [
            {
              ResourceType: 'subnet',
              Tags: tagsFor(cloud.spec, key, 'network', `ksctl-${cloud.spec.name}-${zone}`, opts.subnetTags),
            },
          ],
        })
      ).Subnet;
      if (!s?.SubnetId) throw new ProviderError('CreateSubnet returned no subnet id');
    }
    const info: SubnetInfo = { key, id: s.SubnetId!, zone: s.AvailabilityZone ?? '', cidr: s.CidrBlock ?? '' };
    await ensureRecorded(cloud.ctx, key, {
      kind: 'aws:subnet',
      id: info.id,
      data: { zone: info.zone, cidr: info.cidr },
    });
    if (!s.MapPublicIpOnLaunch) {
      await ec2.modifySubnetAttribute({ SubnetId: info.id, MapPublicIpOnLaunch: { Value: true } });
    }
    out.push(info);
  }
  return out;
}

async function ensureGateway(cloud: AwsCtx, vpcId: string): Promise<string> {
  const { ec2 } = cloud.aws;
  const rec = recorded(cloud.ctx, 'igw');
  let igw = rec
    ? await maybe(
        async () => (await ec2.describeInternetGateways({ InternetGatewayIds: [rec.id] })).InternetGateways?.[0],
      )
    : undefined;
  igw ??= (await ec2.describeInternetGateways({ Filters: [clusterFilter(cloud.spec), resourceFilter('igw')] }))
    .InternetGateways?.[0];
  if (!igw) {
    igw = (
      await ec2.createInternetGateway({
        TagSpecifications: [
          { ResourceType: 'internet-gateway', Tags: tagsFor(cloud.spec, 'igw', 'network', `ksctl-${cloud.spec.name}`) },
        ],
      })
    ).InternetGateway;
    if (!igw?.InternetGatewayId) throw new ProviderError('CreateInternetGateway returned no id');
  }
  const id = igw.InternetGatewayId!;
  await ensureRecorded(cloud.ctx, 'igw', { kind: 'aws:internet-gateway', id });
  if (!igw.Attachments?.some((x) => x.VpcId === vpcId)) {
    try {
      await ec2.attachInternetGateway({ InternetGatewayId: id, VpcId: vpcId });
    } catch (e) {
      if (!hasCode(e, 'Resource.AlreadyAssociated')) throw e;
    }
  }
  return id;
}

async function ensureRoutes(cloud: AwsCtx, vpcId: string, igwId: string, subnets: SubnetInfo[]): Promise<string> {
  const { ec2 } = cloud.aws;
  const rec = recorded(cloud.ctx, 'rtb');
  let rtb = rec
    ? await maybe(async () => (await ec2.describeRouteTables({ RouteTableIds: [rec.id] })).RouteTables?.[0])
    : undefined;
  rtb ??= (
    await ec2.describeRouteTables({
      Filters: [clusterFilter(cloud.spec), resourceFilter('rtb'), { Name: 'vpc-id', Values: [vpcId] }],
    })
  ).RouteTables?.[0];
  if (!rtb) {
    rtb = (
      await ec2.createRouteTable({
        VpcId: vpcId,
        TagSpecifications: [
          { ResourceType: 'route-table', Tags: tagsFor(cloud.spec, 'rtb', 'network', `ksctl-${cloud.spec.name}`) },
        ],
      })
    ).RouteTable;
    if (!rtb?.RouteTableId) throw new ProviderError('CreateRouteTable returned no id');
  }
  const id = rtb.RouteTableId!;
  await ensureRecorded(cloud.ctx, 'rtb', { kind: 'aws:route-table', id });
  if (!rtb.Routes?.some((r) => r.DestinationCidrBlock === '0.0.0.0/0' && r.GatewayId === igwId)) {
    try {
      await ec2.createRoute({ RouteTableId: id, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId });
    } catch (e) {
      if (!hasCode(e, 'RouteAlreadyExists')) throw e;
    }
  }
  for (const s of subnets) {
    if (rtb.Associations?.some((x) => x.SubnetId === s.id)) continue;
    try {
      await ec2.associateRouteTable({ RouteTableId: id, SubnetId: s.id });
    } catch (e) {
      if (!hasCode(e, 'Resource.AlreadyAssociated')) throw e;
    }
  }
  return id;
}

/** Ensures the whole network and returns its ids. */
export async function ensureNetwork(cloud: AwsCtx, opts: NetworkOptions): Promise<NetworkResult> {
  const vpc = await ensureVpc(cloud);
  const subnets = await ensureSubnets(cloud, vpc, opts);
  const igwId = await ensureGateway(cloud, vpc.VpcId!);
  const routeTableId = await ensureRoutes(cloud, vpc.VpcId!, igwId, subnets);
  return { vpcId: vpc.VpcId!, subnets, igwId, routeTableId };
}

/** The network as recorded in state, for steps that run after `infra/network`. */
export function recordedNetwork(cloud: AwsCtx): { vpcId: string; subnets: SubnetInfo[] } {
  const vpc = recorded(cloud.ctx, 'vpc');
  const subnets = Object.entries(cloud.ctx.cluster.state?.resources ?? {})
    .filter(([k]) => k.startsWith('subnet/'))
    .map(([key, r]) => ({ key, id: r.id, zone: String(r.data?.zone ?? ''), cidr: String(r.data?.cidr ?? '') }))
    .sort((x, y) => Number(x.key.slice(7)) - Number(y.key.slice(7)));
  if (!vpc || subnets.length === 0)
    throw new ProviderError('the network is not in state yet: infra/network must run first');
  return { vpcId: vpc.id, subnets };
}
