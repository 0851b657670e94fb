/**
 * Deleting what a cluster owns, found by state *and* by a `ksctl.io/cluster` tag sweep, in
 * dependency order: instances → key pair → security groups (cross-references revoked first) →
 * route table → internet gateway → subnets → VPC. "Not found" is done; a dependency that AWS is
 * still releasing (ENIs of terminated instances) is waited out with backoff. Safe to re-run.
 */
import { allPages, type AwsCtx } from './context.js';
import { hasCode, ignoreNotFound, isDependencyViolation, isNotFound } from './errors.js';
import { liveIds, terminate, waitTerminated } from './machines.js';
import { clusterFilter, clusterKey, keyPairName, tagValue, TAG_CLUSTER } from './naming.js';
import { forget, recordedKeys, recorded } from '../common/record.js';
import type { SecurityGroup } from './sdk.js';

const DEPENDENCY_TIMEOUT_MS = 10 * 60_000;

/** Runs a delete; NotFound is success; DependencyViolation is retried until the timeout. */
async function deleteWithRetry(
  cloud: AwsCtx,
  what: string,
  del: () => Promise<unknown>,
  ...alsoDone: string[]
): Promise<void> {
  await cloud.wait(
    `${what} to be deletable`,
    async () => {
      try {
        await del();
        return true;
      } catch (e) {
        if (isNotFound(e) || hasCode(e, ...alsoDone)) return true;
        if (isDependencyViolation(e)) return undefined;
        throw e;
      }
    },
    { timeoutMs: DEPENDENCY_TIMEOUT_MS, initialIntervalMs: 2000, maxIntervalMs: 15000 },
  );
}

export async function deleteInstances(cloud: AwsCtx): Promise<void> {
  const ids = new Set<string>();
  for (const k of recordedKeys(cloud.ctx, 'instance/')) ids.add(recorded(cloud.ctx, k)!.id);
  for (const m of Object.values(cloud.ctx.cluster.state?.machines ?? {})) if (m.providerId) ids.add(m.providerId);
  const swept = await allPages(
    (NextToken) =>
      cloud.aws.ec2.describeInstances({
        Filters: [
          clusterFilter(cloud.spec),
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
        ],
        ...(NextToken ? { NextToken } : {}),
      }),
    (o) => o.Reservations?.flatMap((r) => r.Instances ?? []),
  );
  for (const i of swept) ids.add(i.InstanceId!);
  const alive = await liveIds(cloud, [...ids]);
  if (alive.length > 0) cloud.log.info(`terminating ${alive.length} instance(s)`);
  await terminate(cloud, alive);
  await waitTerminated(cloud, [...ids]);
  const keys = recordedKeys(cloud.ctx, 'instance/');
  if (keys.length > 0 || Object.keys(cloud.ctx.cluster.state?.machines ?? {}).length > 0) {
    await cloud.ctx.cluster.update((s) => {
      for (const k of keys) delete s.resources[k];
      s.machines = {};
    });
  }
}

export async function deleteKeyPair(cloud: AwsCtx): Promise<void> {
  const name = keyPairName(cloud.spec);
  const found = (await cloud.aws.ec2.describeKeyPairs({ Filters: [{ Name: 'key-name', Values: [name] }] }))
    .KeyPairs?.[0];
  if (found && tagValue(found.Tags, TAG_CLUSTER) === clusterKey(cloud.spec)) {
    await ignoreNotFound(() => cloud.aws.ec2.deleteKeyPair({ KeyPairId: found.KeyPairId! }));
  }
  await forget(cloud.ctx, 'keypair');
}

async function sweep<T>(
  cloud: AwsCtx,
  prefix: string,
  list: () => Promise<T[]>,
  idOf: (t: T) => string | undefined,
): Promise<Map<string, T | undefined>> {
  const out = new Map<string, T | undefined>();
  for (const k of recordedKeys(cloud.ctx, prefix)) out.set(recorded(cloud.ctx, k)!.id, undefined);
  for (const t of await list()) out.set(idOf(t)!, t);
  return out;
}

export async function deleteSecurityGroups(cloud: AwsCtx): Promise<void> {
  const { ec2 } = cloud.aws;
  const groups = await sweep<SecurityGroup>(
    cloud,
    'sg/',
    () =>
      allPages(
        (NextToken) =>
          ec2.describeSecurityGroups({ Filters: [clusterFilter(cloud.spec)], ...(NextToken ? { NextToken } : {}) }),
        (o) => o.SecurityGroups,
      ),
    (g) => g.GroupId,
  );
  // Groups recorded but missing from the sweep: describe by id (gone → skip).
  for (const [id, g] of groups) {
    if (g) continue;
    try {
      groups.set(id, (await ec2.describeSecurityGroups({ GroupIds: [id] })).SecurityGroups?.[0]);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      groups.delete(id);
    }
  }
  // Rules that reference another group keep that group "in use": revoke them first.
  for (const [id, g] of groups) {
    const refs = (g?.IpPermissions ?? []).filter((p) => (p.UserIdGroupPairs ?? []).length > 0);
    if (refs.length === 0) continue;
    const perms = refs.map((p) => ({
      IpProtocol: p.IpProtocol,
      FromPort: p.FromPort,
      ToPort: p.ToPort,
      UserIdGroupPairs: p.UserIdGroupPairs,
    }));
    await ignoreNotFound(
      () => ec2.revokeSecurityGroupIngress({ GroupId: id, IpPermissions: perms }),
      'InvalidPermission.NotFound',
    );
  }
  for (const id of groups.keys())
    await deleteWithRetry(cloud, `security group ${id}`, () => ec2.deleteSecurityGroup({ GroupId: id }));
  await forget(cloud.ctx, ...recordedKeys(cloud.ctx, 'sg/'));
}

/** Route table, gateway, subnets and VPC — shared by the self-managed and EKS teardowns. */
export async function deleteNetwork(cloud: AwsCtx): Promise<void> {
  const { ec2 } = cloud.aws;
  const filters = [clusterFilter(cloud.spec)];
  const rtbs = await sweep(
    cloud,
    'rtb',
    async () => (await ec2.describeRouteTables({ Filters: filters })).RouteTables ?? [],
    (r) => r.RouteTableId,
  );
  for (const [id, known] of rtbs) {
    let rtb = known;
    if (!rtb) {
      try {
        rtb = (await ec2.describeRouteTables({ RouteTableIds: [id] })).RouteTables?.[0];
      } catch (e) {
        if (!isNotFound(e)) throw e;
        continue;
      }
    }
    for (const assoc of rtb?.Associations ?? []) {
      if (assoc.Main || !assoc.RouteTableAssociationId) continue;
      await ignoreNotFound(() => ec2.disassociateRouteTable({ AssociationId: assoc.RouteTableAssociationId! }));
    }
    await deleteWithRetry(cloud, `route table ${id}`, () => ec2.deleteRouteTable({ RouteTableId: id }));
  }
  await forget(cloud.ctx, 'rtb');

  const igws = await sweep(
    cloud,
    'igw',
    async () => (await ec2.describeInternetGateways({ Filters: filters })).InternetGateways ?? [],
    (g) => g.InternetGatewayId,
  );
  for (const [id, known] of igws) {
    let igw = known;
    if (!igw) {
      try {
        igw = (await ec2.describeInternetGateways({ InternetGatewayIds: [id] })).InternetGateways?.[0];
      } catch (e) {
        if (!isNotFound(e)) throw e;
        continue;
      }
    }
    for (const att of igw?.Attachments ?? []) {
      // Fails while instances in the VPC still hold public addresses: wait those out.
      await deleteWithRetry(
        cloud,
        `gateway ${id} to detach`,
        () => ec2.detachInternetGateway({ InternetGatewayId: id, VpcId: att.VpcId! }),
        'Gateway.NotAttached',
      );
    }
    await deleteWithRetry(cloud, `internet gateway ${id}`, () => ec2.deleteInternetGateway({ InternetGatewayId: id }));
  }
  await forget(cloud.ctx, 'igw');

  const subnets = await sweep(
    cloud,
    'subnet/',
    () =>
      allPages(
        (NextToken) => ec2.describeSubnets({ Filters: filters, ...(NextToken ? { NextToken } : {}) }),
        (o) => o.Subnets,
      ),
    (s) => s.SubnetId,
  );
  for (const id of subnets.keys())
    await deleteWithRetry(cloud, `subnet ${id}`, () => ec2.deleteSubnet({ SubnetId: id }));
  await forget(cloud.ctx, ...recordedKeys(cloud.ctx, 'subnet/'));

  const vpcs = await sweep(
    cloud,
    'vpc',
    async () => (await ec2.describeVpcs({ Filters: filters })).Vpcs ?? [],
    (v) => v.VpcId,
  );
  for (const id of vpcs.keys()) await deleteWithRetry(cloud, `VPC ${id}`, () => ec2.deleteVpc({ VpcId: id }));
  await forget(cloud.ctx, 'vpc');
}

/** Everything of a self-managed cluster. */
export async function destroySelfManaged(cloud: AwsCtx): Promise<void> {
  await deleteInstances(cloud);
  await deleteKeyPair(cloud);
  await deleteSecurityGroups(cloud);
  await deleteNetwork(cloud);
}
