/** Fake EC2 networking: VPCs, subnets, internet gateways, route tables — with AWS's dependency rules. */
import { ec2Error } from './errors.js';
import {
  cidrOverlaps,
  cidrRange,
  cidrWithin,
  holdsDependencies,
  inRegion,
  matchesFilters,
  newId,
  paginate,
  tagsFromSpecs,
  toTags,
  zonesOf,
  type Env,
  type Handler,
  type Igw,
  type RouteTable,
  type Subnet,
  type Vpc,
} from './model.js';

const notFound = (kind: string, id: string) =>
  ec2Error(`Invalid${kind}ID.NotFound`, `The ${kind.toLowerCase()} ID '${id}' does not exist`);

export function getVpc(env: Env, id: string): Vpc {
  const v = env.data.vpcs[id];
  if (!v || v.region !== env.region) throw notFound('Vpc', id);
  return v;
}
export function getSubnet(env: Env, id: string): Subnet {
  const s = env.data.subnets[id];
  if (!s || s.region !== env.region) throw notFound('Subnet', id);
  return s;
}
function getIgw(env: Env, id: string): Igw {
  const g = env.data.igws[id];
  if (!g || g.region !== env.region) throw notFound('InternetGateway', id);
  return g;
}
function getRtb(env: Env, id: string): RouteTable {
  const r = env.data.routeTables[id];
  if (!r || r.region !== env.region) throw notFound('RouteTable', id);
  return r;
}

function byIds<T>(env: Env, ids: string[] | undefined, get: (env: Env, id: string) => T, all: T[]): T[] {
  return ids && ids.length > 0 ? ids.map((id) => get(env, id)) : all;
}

const vpcOut = (v: Vpc, state = 'available') => ({
  VpcId: v.id,
  CidrBlock: v.cidr,
  State: state,
  IsDefault: false,
  Tags: toTags(v.tags),
});
const subnetOut = (s: Subnet) => ({
  SubnetId: s.id,
  VpcId: s.vpcId,
  CidrBlock: s.cidr,
  AvailabilityZone: s.az,
  State: 'available',
  MapPublicIpOnLaunch: s.mapPublicIp,
  AvailableIpAddressCount: cidrRange(s.cidr).size - 5,
  Tags: toTags(s.tags),
});
const igwOut = (g: Igw) => ({
  InternetGatewayId: g.id,
  Attachments: g.attachments.map((VpcId) => ({ VpcId, State: 'available' })),
  Tags: toTags(g.tags),
});
const rtbOut = (r: RouteTable) => ({
  RouteTableId: r.id,
  VpcId: r.vpcId,
  Routes: r.routes.map((x) => ({ DestinationCidrBlock: x.dest, GatewayId: x.gatewayId, State: 'active' })),
  Associations: r.associations.map((a) => ({
    RouteTableAssociationId: a.id,
    RouteTableId: r.id,
    Main: a.main,
    AssociationState: { State: 'associated' },
    ...(a.subnetId ? { SubnetId: a.subnetId } : {}),
  })),
  Tags: toTags(r.tags),
});

export const networkHandlers: Record<string, Handler> = {
  CreateVpc(env, i) {
    const cidr = String(i.CidrBlock ?? '');
    const { prefix } = cidrRange(cidr);
    if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr) || prefix < 16 || prefix > 28)
      throw ec2Error('InvalidVpc.Range', `The CIDR '${cidr}' is invalid.`);
    const id = newId(env.data, 'vpc');
    const sgId = newId(env.data, 'sg');
    const rtbId = newId(env.data, 'rtb');
    const v: Vpc = {
      id,
      region: env.region,
      cidr,
      tags: tagsFromSpecs(i.TagSpecifications, 'vpc'),
      createdAt: env.now,
      dnsHostnames: false,
      dnsSupport: true,
      defaultSgId: sgId,
      mainRtbId: rtbId,
    };
    env.data.vpcs[id] = v;
    env.data.sgs[sgId] = {
      id: sgId,
      region: env.region,
      vpcId: id,
      name: 'default',
      description: 'default VPC security group',
      isDefault: true,
      tags: {},
      createdAt: env.now,
      ingress: [{ proto: '-1', from: -1, to: -1, groupId: sgId }],
      egress: [{ proto: '-1', from: -1, to: -1, cidr: '0.0.0.0/0' }],
    };
    env.data.routeTables[rtbId] = {
      id: rtbId,
      region: env.region,
      vpcId: id,
      main: true,
      tags: {},
      createdAt: env.now,
      routes: [{ dest: cidr, gatewayId: 'local' }],
      associations: [{ id: newId(env.data, 'rtbassoc'), main: true }],
    };
    return { Vpc: vpcOut(v, 'pending') };
  },
  DescribeVpcs(env, i) {
    const list = byIds(env, i.VpcIds, getVpc, inRegion(env, env.data.vpcs));
    const vpcs = list.filter((v) =>
      matchesFilters(
        { 'vpc-id': v.id, cidr: v.cidr, 'cidr-block': v.cidr, state: 'available', 'is-default': 'false' },
        v.tags,
        i.Filters,
      ),
    );
    return { Vpcs: vpcs.map((v) => vpcOut(v)) };
  },
  DeleteVpc(env, i) {
    const v = getVpc(env, i.VpcId);
    const deps = [
      ...inRegion(env, env.data.subnets)
        .filter((s) => s.vpcId === v.id)
        .map((s) => s.id),
      ...inRegion(env, env.data.igws)
        .filter((g) => g.attachments.includes(v.id))
        .map((g) => g.id),
      ...inRegion(env, env.data.sgs)
        .filter((g) => g.vpcId === v.id && !g.isDefault)
        .map((g) => g.id),
      ...inRegion(env, env.data.routeTables)
        .filter((r) => r.vpcId === v.id && !r.main)
        .map((r) => r.id),
    ];
    if (deps.length > 0)
      throw ec2Error('DependencyViolation', `The vpc '${v.id}' has dependencies and cannot be deleted.`);
    delete env.data.vpcs[v.id];
    delete env.data.sgs[v.defaultSgId];
    delete env.data.routeTables[v.mainRtbId];
    return {};
  },
  ModifyVpcAttribute(env, i) {
    const v = getVpc(env, i.VpcId);
    const set = [i.EnableDnsHostnames, i.EnableDnsSupport, i.EnableNetworkAddressUsageMetrics].filter(
      (x) => x !== undefined,
    );
    if (set.length !== 1) throw ec2Error('InvalidParameterCombination', 'Only one attribute can be modified at a time');
    if (i.EnableDnsHostnames) v.dnsHostnames = Boolean(i.EnableDnsHostnames.Value);
    if (i.EnableDnsSupport) v.dnsSupport = Boolean(i.EnableDnsSupport.Value);
    return {};
  },
  CreateSubnet(env, i) {
    const v = getVpc(env, i.VpcId);
    const cidr = String(i.CidrBlock);
    if (!cidrWithin(cidr, v.cidr)) throw ec2Error('InvalidSubnet.Range', `The CIDR '${cidr}' is invalid.`);
    if (inRegion(env, env.data.subnets).some((s) => s.vpcId === v.id && cidrOverlaps(s.cidr, cidr))) {
      throw ec2Error('InvalidSubnet.Conflict', `The CIDR '${cidr}' conflicts with another subnet`);
    }
    const az = i.AvailabilityZone ?? zonesOf(env)[0];
    if (!zonesOf(env).includes(az))
      throw ec2Error('InvalidParameterValue', `Value (${az}) for parameter availabilityZone is invalid.`);
    const s: Subnet = {
      id: newId(env.data, 'subnet'),
      region: env.region,
      vpcId: v.id,
      cidr,
      az,
      mapPublicIp: false,
      nextHost: 4,
      tags: tagsFromSpecs(i.TagSpecifications, 'subnet'),
      createdAt: env.now,
    };
    env.data.subnets[s.id] = s;
    return { Subnet: subnetOut(s) };
  },
  DescribeSubnets(env, i) {
    const list = byIds(env, i.SubnetIds, getSubnet, inRegion(env, env.data.subnets)).filter((s) =>
      matchesFilters(
        { 'subnet-id': s.id, 'vpc-id': s.vpcId, 'availability-zone': s.az, 'cidr-block': s.cidr, state: 'available' },
        s.tags,
        i.Filters,
      ),
    );
    const { page, next } = paginate(list, i.MaxResults, i.NextToken, env.config.pageSize);
    return { Subnets: page.map(subnetOut), ...(next ? { NextToken: next } : {}) };
  },
  DeleteSubnet(env, i) {
    const s = getSubnet(env, i.SubnetId);
    const busy =
      inRegion(env, env.data.instances).some((x) => x.subnetId === s.id && holdsDependencies(env, x)) ||
      inRegion(env, env.data.eksClusters).some((c) => c.subnetIds.includes(s.id)) ||
      inRegion(env, env.data.nodegroups).some((n) => n.subnets.includes(s.id));
    if (busy) throw ec2Error('DependencyViolation', `The subnet '${s.id}' has dependencies and cannot be deleted.`);
    for (const r of inRegion(env, env.data.routeTables))
      r.associations = r.associations.filter((a) => a.subnetId !== s.id);
    delete env.data.subnets[s.id];
    return {};
  },
  ModifySubnetAttribute(env, i) {
    const s = getSubnet(env, i.SubnetId);
    if (i.MapPublicIpOnLaunch) s.mapPublicIp = Boolean(i.MapPublicIpOnLaunch.Value);
    return {};
  },
  CreateInternetGateway(env, i) {
    const g: Igw = {
      id: newId(env.data, 'igw'),
      region: env.region,
      attachments: [],
      tags: tagsFromSpecs(i.TagSpecifications, 'internet-gateway'),
      createdAt: env.now,
    };
    env.data.igws[g.id] = g;
    return { InternetGateway: igwOut(g) };
  },
  AttachInternetGateway(env, i) {
    const g = getIgw(env, i.InternetGatewayId);
    const v = getVpc(env, i.VpcId);
    if (g.attachments.length > 0)
      throw ec2Error(
        'Resource.AlreadyAssociated',
        `resource ${g.id} is already attached to network ${g.attachments[0]}`,
      );
    if (inRegion(env, env.data.igws).some((x) => x.attachments.includes(v.id))) {
      throw ec2Error('InvalidParameterValue', `Network ${v.id} already has an internet gateway attached`);
    }
    g.attachments.push(v.id);
    return {};
  },
  DetachInternetGateway(env, i) {
    const g = getIgw(env, i.InternetGatewayId);
    if (!g.attachments.includes(i.VpcId))
      throw ec2Error('Gateway.NotAttached', `resource ${g.id} is not attached to network ${i.VpcId}`);
    if (inRegion(env, env.data.instances).some((x) => x.vpcId === i.VpcId && x.publicIp && x.state !== 'terminated')) {
      throw ec2Error(
        'DependencyViolation',
        `Network ${i.VpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
      );
    }
    g.attachments = g.attachments.filter((x) => x !== i.VpcId);
    return {};
  },
  DeleteInternetGateway(env, i) {
    const g = getIgw(env, i.InternetGatewayId);
    if (g.attachments.length > 0)
      throw ec2Error('DependencyViolation', `The internetGateway '${g.id}' has dependencies and cannot be deleted.`);
    delete env.data.igws[g.id];
    return {};
  },
  DescribeInternetGateways(env, i) {
    const list = byIds(env, i.InternetGatewayIds, getIgw, inRegion(env, env.data.igws)).filter((g) =>
      matchesFilters(
        {
          'internet-gateway-id': g.id,
          'attachment.vpc-id': g.attachments,
          'attachment.state': g.attachments.length ? 'available' : undefined,
        },
        g.tags,
        i.Filters,
      ),
    );
    return { InternetGateways: list.map(igwOut) };
  },
  CreateRouteTable(env, i) {
    const v = getVpc(env, i.VpcId);
    const r: RouteTable = {
      id: newId(env.data, 'rtb'),
      region: env.region,
      vpcId: v.id,
      main: false,
      routes: [{ dest: v.cidr, gatewayId: 'local' }],
      associations: [],
      tags: tagsFromSpecs(i.TagSpecifications, 'route-table'),
      createdAt: env.now,
    };
    env.data.routeTables[r.id] = r;
    return { RouteTable: rtbOut(r) };
  },
  CreateRoute(env, i) {
    const r = getRtb(env, i.RouteTableId);
    const g = getIgw(env, i.GatewayId);
    if (!g.attachments.includes(r.vpcId)) {
      throw ec2Error(
        'InvalidParameterValue',
        `route table ${r.id} and network gateway ${g.id} belong to different networks`,
      );
    }
    if (r.routes.some((x) => x.dest === i.DestinationCidrBlock)) {
      throw ec2Error('RouteAlreadyExists', `The route identified by ${i.DestinationCidrBlock} already exists.`);
    }
    r.routes.push({ dest: i.DestinationCidrBlock, gatewayId: g.id });
    return { Return: true };
  },
  AssociateRouteTable(env, i) {
    const r = getRtb(env, i.RouteTableId);
    const s = getSubnet(env, i.SubnetId);
    if (s.vpcId !== r.vpcId)
      throw ec2Error('InvalidParameterValue', `route table ${r.id} and subnet ${s.id} belong to different networks`);
    const taken = inRegion(env, env.data.routeTables).find((x) => x.associations.some((a) => a.subnetId === s.id));
    if (taken)
      throw ec2Error(
        'Resource.AlreadyAssociated',
        `the specified association for route table ${taken.id} conflicts with an existing association`,
      );
    const id = newId(env.data, 'rtbassoc');
    r.associations.push({ id, subnetId: s.id, main: false });
    return { AssociationId: id, AssociationState: { State: 'associated' } };
  },
  DisassociateRouteTable(env, i) {
    const r = inRegion(env, env.data.routeTables).find((x) => x.associations.some((a) => a.id === i.AssociationId));
    if (!r) throw ec2Error('InvalidAssociationID.NotFound', `The association ID '${i.AssociationId}' does not exist`);
    if (r.associations.find((a) => a.id === i.AssociationId)?.main)
      throw ec2Error('InvalidParameterValue', 'cannot disassociate the main route table association');
    r.associations = r.associations.filter((a) => a.id !== i.AssociationId);
    return {};
  },
  DeleteRouteTable(env, i) {
    const r = getRtb(env, i.RouteTableId);
    if (r.main || r.associations.length > 0)
      throw ec2Error('DependencyViolation', `The routeTable '${r.id}' has dependencies and cannot be deleted.`);
    delete env.data.routeTables[r.id];
    return {};
  },
  DescribeRouteTables(env, i) {
    const list = byIds(env, i.RouteTableIds, getRtb, inRegion(env, env.data.routeTables)).filter((r) =>
      matchesFilters(
        {
          'route-table-id': r.id,
          'vpc-id': r.vpcId,
          'association.main': String(r.main),
          'association.subnet-id': r.associations.flatMap((a) => (a.subnetId ? [a.subnetId] : [])),
        },
        r.tags,
        i.Filters,
      ),
    );
    return { RouteTables: list.map(rtbOut) };
  },
};
