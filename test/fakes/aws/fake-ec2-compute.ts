/** Fake EC2 regions, zones, instance types and instances (pending → running → shutting-down → terminated). */
import { createHash } from 'node:crypto';
import { ec2Error } from './errors.js';
import { getSubnet } from './fake-ec2-network.js';
import { getSg } from './fake-ec2-security.js';
import {
  imageArch,
  inRegion,
  intToIp,
  cidrRange,
  matchesFilters,
  newId,
  offered,
  paginate,
  tagsFromSpecs,
  toTags,
  zoneIdOf,
  zonesOf,
  type Env,
  type Handler,
  type Inst,
} from './model.js';

const STATE_CODE: Record<string, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** Applies the transitions that fake time has made due. */
export function advanceInstances(env: Env): void {
  const l = env.config.latencies;
  for (const x of Object.values(env.data.instances)) {
    if (x.state === 'pending' && env.now >= x.stateAt + l.instanceStart) {
      x.state = 'running';
      x.stateAt += l.instanceStart;
    }
    if (x.state === 'shutting-down' && env.now >= x.stateAt + l.instanceTerminate) {
      x.state = 'terminated';
      x.stateAt += l.instanceTerminate;
      for (const v of x.volumeIds) if (env.data.volumes[v]) env.data.volumes[v].state = 'deleted';
    }
  }
}

function getInstance(env: Env, id: string): Inst {
  const x = env.data.instances[id];
  if (!x || x.region !== env.region)
    throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
  return x;
}

const instanceOut = (env: Env, x: Inst) => ({
  InstanceId: x.id,
  ImageId: x.imageId,
  InstanceType: x.type,
  State: { Code: STATE_CODE[x.state], Name: x.state },
  PrivateIpAddress: x.privateIp,
  ...(x.publicIp && x.state !== 'terminated' && x.state !== 'shutting-down' ? { PublicIpAddress: x.publicIp } : {}),
  Placement: { AvailabilityZone: x.az },
  SubnetId: x.subnetId,
  VpcId: x.vpcId,
  KeyName: x.keyName,
  ClientToken: x.clientToken,
  LaunchTime: new Date(x.createdAt),
  SecurityGroups: x.sgIds.map((GroupId) => ({ GroupId, GroupName: env.data.sgs[GroupId]?.name })),
  ...(x.spot ? { InstanceLifecycle: 'spot' } : {}),
  Architecture: env.config.instanceTypes[x.type]?.arch,
  Tags: toTags(x.tags),
  ...(x.state === 'terminated'
    ? {
        StateReason: {
          Code: 'Client.UserInitiatedShutdown',
          Message: 'Client.UserInitiatedShutdown: User initiated shutdown',
        },
      }
    : {}),
});

function vcpusInUse(env: Env, spot: boolean): number {
  return inRegion(env, env.data.instances)
    .filter((x) => (x.state === 'pending' || x.state === 'running') && x.spot === spot)
    .reduce((n, x) => n + (env.config.instanceTypes[x.type]?.vcpus ?? 0), 0);
}

function addresses(
  env: Env,
  x: { id: string; name?: string; role?: string; subnetCidr: string; n: number; wantPublic: boolean },
) {
  const hook = env.ipHook?.({
    instanceId: x.id,
    subnetCidr: x.subnetCidr,
    ...(x.name ? { name: x.name } : {}),
    ...(x.role ? { role: x.role } : {}),
  });
  const mapped = (x.name ? env.config.ipMap[x.name] : undefined) ?? {};
  const privateIp = hook?.privateIp ?? mapped.privateIp ?? intToIp(cidrRange(x.subnetCidr).start + x.n);
  const seq = env.data.seq;
  const publicIp = x.wantPublic
    ? (hook?.publicIp ?? mapped.publicIp ?? `${seq % 2 ? '198.51.100' : '203.0.113'}.${(seq % 250) + 1}`)
    : undefined;
  return { privateIp, publicIp };
}

export const computeHandlers: Record<string, Handler> = {
  DescribeRegions(env, i) {
    for (const n of (i.RegionNames ?? []) as string[]) {
      if (!env.config.regions.some((r) => r.name === n))
        throw ec2Error('InvalidParameterValue', `Invalid region: ${n}`);
    }
    const list = env.config.regions
      .filter((r) => i.AllRegions || r.optIn !== 'not-opted-in')
      .filter((r) => !i.RegionNames?.length || i.RegionNames.includes(r.name))
      .filter((r) =>
        matchesFilters(
          { 'region-name': r.name, 'opt-in-status': r.optIn, endpoint: `ec2.${r.name}.amazonaws.com` },
          {},
          i.Filters,
        ),
      );
    return {
      Regions: list.map((r) => ({ RegionName: r.name, Endpoint: `ec2.${r.name}.amazonaws.com`, OptInStatus: r.optIn })),
    };
  },
  DescribeAvailabilityZones(env, i) {
    const zones = zonesOf(env).filter((z) =>
      matchesFilters(
        {
          state: 'available',
          'zone-type': 'availability-zone',
          'zone-name': z,
          'zone-id': zoneIdOf(env, z),
          'region-name': env.region,
        },
        {},
        i.Filters,
      ),
    );
    return {
      AvailabilityZones: zones.map((z) => ({
        ZoneName: z,
        ZoneId: zoneIdOf(env, z),
        State: 'available',
        RegionName: env.region,
        ZoneType: 'availability-zone',
      })),
    };
  },
  DescribeInstanceTypeOfferings(env, i) {
    const types = Object.keys(env.config.instanceTypes);
    const az = i.LocationType === 'availability-zone';
    const rows = az
      ? zonesOf(env).flatMap((z) =>
          types
            .filter((t) => offered(env, t, z))
            .map((t) => ({ InstanceType: t, LocationType: 'availability-zone', Location: z })),
        )
      : types
          .filter((t) => offered(env, t))
          .map((t) => ({ InstanceType: t, LocationType: 'region', Location: env.region }));
    const list = rows.filter((r) =>
      matchesFilters({ 'instance-type': r.InstanceType, location: r.Location }, {}, i.Filters),
    );
    const { page, next } = paginate(list, i.MaxResults, i.NextToken, env.config.pageSize);
    return { InstanceTypeOfferings: page, ...(next ? { NextToken: next } : {}) };
  },
  DescribeInstanceTypes(env, i) {
    const names = (i.InstanceTypes ?? Object.keys(env.config.instanceTypes)) as string[];
    const bad = names.filter((t) => !env.config.instanceTypes[t]);
    if (bad.length)
      throw ec2Error('InvalidInstanceType', `The following supplied instance types do not exist: [${bad.join(', ')}]`);
    return {
      InstanceTypes: names.map((t) => {
        const x = env.config.instanceTypes[t]!;
        return {
          InstanceType: t,
          CurrentGeneration: true,
          VCpuInfo: { DefaultVCpus: x.vcpus },
          MemoryInfo: { SizeInMiB: x.memoryMiB },
          ProcessorInfo: { SupportedArchitectures: [x.arch] },
          SupportedUsageClasses: ['on-demand', 'spot'],
        };
      }),
    };
  },
  RunInstances(env, i) {
    const min = i.MinCount ?? 1;
    const max = i.MaxCount ?? min;
    if (min < 1 || max < min) throw ec2Error('InvalidParameterValue', 'MinCount/MaxCount are invalid');
    const hash = createHash('sha256')
      .update(JSON.stringify({ ...i, ClientToken: undefined }))
      .digest('hex');
    const tokenKey = i.ClientToken ? `${env.region}|${i.ClientToken}` : undefined;
    const prior = tokenKey ? env.data.clientTokens[tokenKey] : undefined;
    if (prior) {
      if (prior.hash !== hash)
        throw ec2Error(
          'IdempotentParameterMismatch',
          'The client token you have provided is associated with a resource that is already deleted or has different parameters',
        );
      const xs = prior.instanceIds.map((id) => env.data.instances[id]!).filter(Boolean);
      return {
        ReservationId: xs[0]?.reservationId,
        OwnerId: env.config.account,
        Instances: xs.map((x) => instanceOut(env, x)),
      };
    }
    const arch = imageArch(env.region, String(i.ImageId ?? ''));
    if (!arch) throw ec2Error('InvalidAMIID.NotFound', `The image id '[${i.ImageId}]' does not exist`);
    const type = env.config.instanceTypes[i.InstanceType];
    if (!type) throw ec2Error('InvalidParameterValue', `Invalid value '${i.InstanceType}' for InstanceType.`);
    if (type.arch !== arch)
      throw ec2Error(
        'InvalidParameterValue',
        `The architecture '${type.arch}' of the specified instance type does not match the architecture '${arch}' of the specified AMI.`,
      );
    if (!i.SubnetId) throw ec2Error('MissingInput', 'No subnets found for the default VPC. Please specify a subnet.');
    const subnet = getSubnet(env, i.SubnetId);
    if (!offered(env, i.InstanceType, subnet.az)) {
      throw ec2Error(
        'Unsupported',
        `Your requested instance type (${i.InstanceType}) is not supported in your requested Availability Zone (${subnet.az}).`,
      );
    }
    const sgIds = ((i.SecurityGroupIds ?? []) as string[]).map((id) => getSg(env, id));
    if (sgIds.some((g) => g.vpcId !== subnet.vpcId))
      throw ec2Error('InvalidParameter', 'Security group and subnet belong to different networks.');
    if (i.KeyName && !inRegion(env, env.data.keyPairs).some((k) => k.name === i.KeyName)) {
      throw ec2Error('InvalidKeyPair.NotFound', `The key pair '${i.KeyName}' does not exist`);
    }
    const spot = i.InstanceMarketOptions?.MarketType === 'spot';
    const quota = env.config.quotas[env.region] ?? env.config.defaultQuota;
    if (vcpusInUse(env, spot) + type.vcpus * max > (spot ? quota.spot : quota.onDemand)) {
      throw ec2Error(
        spot ? 'MaxSpotInstanceCountExceeded' : 'VcpuLimitExceeded',
        `You have requested more vCPU capacity than your current vCPU limit allows.`,
      );
    }
    const reservationId = newId(env.data, 'r');
    const instTags = tagsFromSpecs(i.TagSpecifications, 'instance');
    const volTags = tagsFromSpecs(i.TagSpecifications, 'volume');
    const out: Inst[] = [];
    for (let n = 0; n < max; n++) {
      const id = newId(env.data, 'i');
      subnet.nextHost += 1;
      const ips = addresses(env, {
        id,
        subnetCidr: subnet.cidr,
        n: subnet.nextHost,
        wantPublic: subnet.mapPublicIp,
        ...(instTags.Name ? { name: instTags.Name } : {}),
        ...(instTags['ksctl.io/role'] ? { role: instTags['ksctl.io/role'] } : {}),
      });
      const volId = newId(env.data, 'vol');
      env.data.volumes[volId] = {
        id: volId,
        region: env.region,
        instanceId: id,
        size: i.BlockDeviceMappings?.[0]?.Ebs?.VolumeSize ?? 8,
        state: 'in-use',
        tags: { ...volTags },
        createdAt: env.now,
      };
      const x: Inst = {
        id,
        region: env.region,
        type: i.InstanceType,
        imageId: i.ImageId,
        subnetId: subnet.id,
        vpcId: subnet.vpcId,
        az: subnet.az,
        sgIds: sgIds.map((g) => g.id),
        ...(i.KeyName ? { keyName: i.KeyName } : {}),
        ...(i.ClientToken ? { clientToken: i.ClientToken } : {}),
        ...(i.UserData ? { userData: i.UserData } : {}),
        state: 'pending',
        stateAt: env.now,
        privateIp: ips.privateIp,
        ...(ips.publicIp ? { publicIp: ips.publicIp } : {}),
        spot,
        reservationId,
        volumeIds: [volId],
        tags: { ...instTags },
        createdAt: env.now,
      };
      env.data.instances[id] = x;
      out.push(x);
    }
    if (tokenKey) env.data.clientTokens[tokenKey] = { instanceIds: out.map((x) => x.id), hash };
    return {
      ReservationId: reservationId,
      OwnerId: env.config.account,
      Instances: out.map((x) => instanceOut(env, x)),
    };
  },
  DescribeInstances(env, i) {
    const all = i.InstanceIds?.length
      ? (i.InstanceIds as string[]).map((id) => getInstance(env, id))
      : inRegion(env, env.data.instances);
    const lag = i.Filters?.length ? env.config.latencies.tagIndexLag : 0;
    const list = all
      .filter((x) => env.now >= x.createdAt + lag)
      .filter((x) =>
        matchesFilters(
          {
            'instance-id': x.id,
            'instance-state-name': x.state,
            'instance-type': x.type,
            'vpc-id': x.vpcId,
            'subnet-id': x.subnetId,
            'availability-zone': x.az,
            'client-token': x.clientToken,
            'key-name': x.keyName,
            'private-ip-address': x.privateIp,
            'ip-address': x.publicIp,
            'instance-lifecycle': x.spot ? 'spot' : undefined,
            'image-id': x.imageId,
            'instance.group-id': x.sgIds,
            'reservation-id': x.reservationId,
          },
          x.tags,
          i.Filters,
        ),
      );
    // Like EC2, a request naming instance ids gets all of them in one answer.
    const { page, next } = i.InstanceIds?.length
      ? { page: list, next: undefined }
      : paginate(list, i.MaxResults, i.NextToken, env.config.pageSize);
    const byRes = new Map<string, Inst[]>();
    for (const x of page) byRes.set(x.reservationId, [...(byRes.get(x.reservationId) ?? []), x]);
    return {
      Reservations: [...byRes].map(([ReservationId, xs]) => ({
        ReservationId,
        OwnerId: env.config.account,
        Instances: xs.map((x) => instanceOut(env, x)),
      })),
      ...(next ? { NextToken: next } : {}),
    };
  },
  TerminateInstances(env, i) {
    const xs = ((i.InstanceIds ?? []) as string[]).map((id) => getInstance(env, id));
    return {
      TerminatingInstances: xs.map((x) => {
        const prev = x.state;
        if (prev !== 'terminated' && prev !== 'shutting-down') {
          x.state = 'shutting-down';
          x.stateAt = env.now;
        }
        return {
          InstanceId: x.id,
          PreviousState: { Name: prev, Code: STATE_CODE[prev] },
          CurrentState: { Name: x.state, Code: STATE_CODE[x.state] },
        };
      }),
    };
  },
  CreateTags(env, i) {
    const collections: [string, Record<string, { region: string; tags: Record<string, string> }>, string][] = [
      ['vpc-', env.data.vpcs, 'InvalidVpcID.NotFound'],
      ['subnet-', env.data.subnets, 'InvalidSubnetID.NotFound'],
      ['igw-', env.data.igws, 'InvalidInternetGatewayID.NotFound'],
      ['rtb-', env.data.routeTables, 'InvalidRouteTableID.NotFound'],
      ['sg-', env.data.sgs, 'InvalidGroup.NotFound'],
      ['key-', env.data.keyPairs, 'InvalidKeyPairID.NotFound'],
      ['i-', env.data.instances, 'InvalidInstanceID.NotFound'],
      ['vol-', env.data.volumes, 'InvalidVolume.NotFound'],
    ];
    const targets = ((i.Resources ?? []) as string[]).map((id) => {
      const c = collections.find(([p]) => id.startsWith(p));
      const r = c?.[1][id];
      if (!c) throw ec2Error('InvalidID', `The ID '${id}' is not valid`);
      if (!r || r.region !== env.region) throw ec2Error(c[2], `The ID '${id}' does not exist`);
      return r;
    });
    for (const r of targets) for (const t of i.Tags ?? []) r.tags[t.Key] = t.Value ?? '';
    return {};
  },
};
