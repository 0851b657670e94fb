/**
 * Read-only preflight checks shared by both GCP providers: spec shape (no calls), region, machine
 * types offered in the region's zones, and the regional CPU quota. Everything the user can fix is
 * an InputError naming the field.
 */
import { REGIONS } from '../../api/catalog.js';
import type { ClusterSpec } from '../../api/types.js';
import { InputError } from '../../errors.js';
import { checkVpcCidr } from '../common/cidr.js';
import type { GcpCtx } from './context.js';
import { getOrUndefined, lastSegment } from './operations.js';

export interface SizeDemand {
  field: string;
  size: string;
  count: number;
}

/** Pure checks that need no call: run before anything else so bad specs cost nothing. */
export function checkSpecShape(spec: ClusterSpec, sizes: SizeDemand[]): void {
  if (!REGIONS.gcp.includes(spec.region)) {
    throw new InputError(`GCP has no region "${spec.region}"`, ['spec.region'], {
      hint: `e.g. ${REGIONS.gcp.slice(0, 4).join(', ')}`,
    });
  }
  checkVpcCidr(spec.network.cidr);
  for (const s of sizes) {
    if (!s.size) throw new InputError(`${s.field} must be set for GCP`, [s.field]);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(s.size)) throw new InputError(`"${s.size}" is not a GCE machine type`, [s.field]);
  }
}

export async function checkRegion(cloud: GcpCtx): Promise<string[]> {
  const region = await getOrUndefined(() => cloud.api.gce.getRegion(cloud.spec.region));
  if (!region)
    throw new InputError(`region ${cloud.spec.region} is not available to project ${cloud.project}`, ['spec.region']);
  if (region.status && region.status !== 'UP') {
    throw new InputError(`region ${cloud.spec.region} is ${region.status}`, ['spec.region'], {
      hint: 'choose another region',
    });
  }
  return (region.zones ?? []).map(lastSegment).sort();
}

/** Zones of the region offering every size, and the vCPUs of each size. Throws when a size is offered nowhere. */
export async function usableZones(
  cloud: GcpCtx,
  sizes: SizeDemand[],
): Promise<{ zones: string[]; cpus: Map<string, number> }> {
  const zones = await checkRegion(cloud);
  const unique = [...new Set(sizes.map((s) => s.size))];
  const cpus = new Map<string, number>();
  const offeredIn = new Map<string, string[]>();
  await Promise.all(
    unique.flatMap((size) =>
      zones.map(async (zone) => {
        const mt = await getOrUndefined(() => cloud.api.gce.getMachineType(zone, size));
        if (!mt) return;
        cpus.set(size, mt.guestCpus ?? 1);
        offeredIn.set(size, [...(offeredIn.get(size) ?? []), zone]);
      }),
    ),
  );
  const missing = sizes.filter((s) => !offeredIn.has(s.size));
  if (missing.length > 0) {
    throw new InputError(
      `machine type not offered in ${cloud.spec.region}: ${[...new Set(missing.map((m) => m.size))].join(', ')}`,
      [...new Set(missing.map((m) => m.field))],
    );
  }
  const all = zones.filter((z) => unique.every((s) => offeredIn.get(s)!.includes(z)));
  if (all.length === 0) {
    throw new InputError(`no zone of ${cloud.spec.region} offers all of ${unique.join(', ')}`, [
      ...new Set(sizes.map((s) => s.field)),
    ]);
  }
  return { zones: all, cpus };
}

/** Regional CPUS quota (spot VMs count against it too unless a PREEMPTIBLE_CPUS quota exists). */
export async function checkCpuQuota(cloud: GcpCtx, sizes: SizeDemand[], cpus: Map<string, number>): Promise<void> {
  const region = await cloud.api.gce.getRegion(cloud.spec.region);
  const quota = region.quotas?.find((q) => q.metric === 'CPUS');
  if (!quota || quota.limit == null) return;
  const want = sizes.reduce((n, s) => n + s.count * (cpus.get(s.size) ?? 1), 0);
  const free = Number(quota.limit) - Number(quota.usage ?? 0);
  if (want > free) {
    throw new InputError(
      `this cluster needs ${want} vCPUs in ${cloud.spec.region}; the CPUS quota leaves ${free}`,
      ['spec.region'],
      {
        hint: 'request a quota increase (IAM & Admin → Quotas) or choose smaller sizes',
      },
    );
  }
}
