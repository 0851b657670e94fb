/**
 * Read-only checks shared by both AWS providers' preflights: credentials, region, instance type
 * offerings and vCPU quotas. Everything the user can fix is an InputError naming the field.
 */
import type { ClusterSpec } from '../../api/types.js';
import { InputError } from '../../errors.js';
import type { InstanceCatalog } from './catalog.js';
import { allPages, type AwsCtx } from './context.js';
import { hasCode } from './errors.js';
import { clusterKey, tagValue, TAG_CLUSTER } from './naming.js';

/** Who we are; a credential problem surfaces here as one clear line. */
export async function checkCredentials(cloud: AwsCtx): Promise<string> {
  const id = await cloud.aws.sts.getCallerIdentity({});
  return id.Arn ?? id.Account ?? 'unknown';
}

export async function checkRegion(cloud: AwsCtx): Promise<void> {
  const out = await cloud.aws.ec2Home.describeRegions({ AllRegions: true });
  const region = out.Regions?.find((r) => r.RegionName === cloud.spec.region);
  if (!region) {
    throw new InputError(`AWS has no region "${cloud.spec.region}"`, ['spec.region']);
  }
  if (region.OptInStatus === 'not-opted-in') {
    throw new InputError(`region ${cloud.spec.region} is not enabled for this account`, ['spec.region'], {
      hint: 'enable it under Account → AWS Regions, or choose another region',
    });
  }
}

/** Sizes (with the spec field they come from) that the region does not offer → InputError. */
export async function checkOfferings(cloud: AwsCtx, sizes: { field: string; size: string }[]): Promise<void> {
  const unique = [...new Set(sizes.map((s) => s.size).filter(Boolean))];
  if (unique.length === 0) return;
  const offers = await allPages(
    (NextToken) =>
      cloud.aws.ec2.describeInstanceTypeOfferings({
        LocationType: 'region',
        Filters: [{ Name: 'instance-type', Values: unique }],
        ...(NextToken ? { NextToken } : {}),
      }),
    (o) => o.InstanceTypeOfferings,
  );
  const offered = new Set<string>(offers.map((o) => o.InstanceType ?? ''));
  const bad = sizes.filter((s) => s.size && !offered.has(s.size));
  if (bad.length > 0) {
    throw new InputError(
      `instance type${bad.length > 1 ? 's' : ''} not offered in ${cloud.spec.region}: ${[...new Set(bad.map((b) => b.size))].join(', ')}`,
      [...new Set(bad.map((b) => b.field))],
    );
  }
}

export interface VcpuDemand {
  onDemand: { size: string; count: number }[];
  spot: { size: string; count: number }[];
}

const QUOTA_ON_DEMAND = 'L-1216C47A'; // Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances, vCPUs
const QUOTA_SPOT = 'L-34B43A08'; // All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests, vCPUs

async function quota(cloud: AwsCtx, code: string): Promise<number | undefined> {
  try {
    return (await cloud.aws.quotas.getServiceQuota({ ServiceCode: 'ec2', QuotaCode: code })).Quota?.Value;
  } catch (e) {
    if (hasCode(e, 'AccessDeniedException', 'NoSuchResourceException', 'AccessDenied')) {
      cloud.log.warn(`cannot read EC2 quota ${code}; skipping the vCPU check`);
      return undefined;
    }
    throw e;
  }
}

/**
 * vCPUs the plan needs vs the account's quota minus what other instances in the region already
 * run (this cluster's own instances are not counted: a re-run reuses them).
 */
export async function checkVcpuQuota(cloud: AwsCtx, catalog: InstanceCatalog, demand: VcpuDemand): Promise<void> {
  const running = await allPages(
    (NextToken) =>
      cloud.aws.ec2.describeInstances({
        Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running'] }],
        ...(NextToken ? { NextToken } : {}),
      }),
    (o) => o.Reservations?.flatMap((r) => r.Instances ?? []),
  );
  const others = running.filter((i) => tagValue(i.Tags, TAG_CLUSTER) !== clusterKey(cloud.spec));
  const types = [...demand.onDemand, ...demand.spot].map((d) => d.size).concat(others.map((i) => i.InstanceType ?? ''));
  const info = await catalog.typeInfo(cloud, types.filter(Boolean));
  const vcpus = (list: { size: string; count: number }[]) =>
    list.reduce((n, d) => n + (info.get(d.size)?.vcpus ?? 0) * d.count, 0);
  const used = (spot: boolean) =>
    others
      .filter((i) => (i.InstanceLifecycle === 'spot') === spot)
      .reduce((n, i) => n + (info.get(i.InstanceType ?? '')?.vcpus ?? 0), 0);
  const checks = [
    { code: QUOTA_ON_DEMAND, label: 'on-demand', need: vcpus(demand.onDemand), inUse: used(false) },
    { code: QUOTA_SPOT, label: 'spot', need: vcpus(demand.spot), inUse: used(true) },
  ];
  for (const c of checks) {
    if (c.need === 0) continue;
    const limit = await quota(cloud, c.code);
    if (limit === undefined) continue;
    if (c.need + c.inUse > limit) {
      throw new InputError(
        `the cluster needs ${c.need} ${c.label} vCPUs but the ${cloud.spec.region} quota ${c.code} is ${limit} with ${c.inUse} in use`,
        ['spec.workers.size', 'spec.workers.count'],
        { hint: 'request a quota increase in Service Quotas, or choose fewer or smaller machines' },
      );
    }
  }
}

/** The spec's sizes by field, for offering checks. */
export function selfManagedSizes(spec: ClusterSpec): { field: string; size: string }[] {
  const out = [
    { field: 'spec.loadBalancer.size', size: spec.loadBalancer.size },
    { field: 'spec.controlPlane.size', size: spec.controlPlane.size },
    { field: 'spec.workers.size', size: spec.workers.size },
  ];
  if (spec.etcd.count > 0) out.push({ field: 'spec.etcd.size', size: spec.etcd.size });
  return out;
}
