/**
 * Preflight: what can be checked before any mutating call. Input checks first (no call at all), then
 * the credential, the region, the VM sizes offered there and the vCPU quota.
 */
import { REGIONS } from '../../api/catalog.js';
import type { ClusterSpec } from '../../api/types.js';
import { InputError } from '../../errors.js';
import { parseCidr } from '../common/cidr.js';
import type { AzCtx } from './context.js';
import { credentialError, isCredentialError } from './errors.js';
import type { ResourceSku } from './sdk.js';

export interface SizeDemand {
  field: string;
  size: string;
  count: number;
  spot: boolean;
}

/** The spec's self-managed sizes by field. */
export function selfManagedDemand(spec: ClusterSpec): SizeDemand[] {
  const out: SizeDemand[] = [
    { field: 'spec.loadBalancer.size', size: spec.loadBalancer.size, count: 1, spot: false },
    { field: 'spec.controlPlane.size', size: spec.controlPlane.size, count: spec.controlPlane.count, spot: false },
    { field: 'spec.workers.size', size: spec.workers.size, count: spec.workers.count, spot: spec.workers.spot },
  ];
  if (spec.etcd.count > 0)
    out.push({ field: 'spec.etcd.size', size: spec.etcd.size, count: spec.etcd.count, spot: false });
  return out;
}

/** No call: region known, sizes given, VNet range parses. */
export function checkInput(spec: ClusterSpec, demand: SizeDemand[], selfManaged: boolean): void {
  if (!REGIONS.azure.includes(spec.region)) {
    throw new InputError(`"${spec.region}" is not an Azure region ksctl supports`, ['spec.region'], {
      hint: 'for example eastus or westeurope',
    });
  }
  for (const d of demand) if (!d.size) throw new InputError(`${d.field} must be set for Azure`, [d.field]);
  if (selfManaged) parseCidr(spec.network.cidr);
}

/** Runs an API call, turning a missing or rejected credential into one clear line. */
export async function withCredentials<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isCredentialError(e)) throw credentialError(e);
    throw e;
  }
}

const vcpusOf = (sku: ResourceSku | undefined) =>
  Number(sku?.capabilities?.find((c) => c.name === 'vCPUs')?.value ?? 0);

/** Every size is a VM SKU offered in the region without a location restriction; returns the SKUs. */
export async function checkSizes(cloud: AzCtx, demand: SizeDemand[]): Promise<Map<string, ResourceSku>> {
  const skus = (await withCredentials(() => cloud.api.resourceSkus(cloud.spec.region))).filter(
    (s) => s.resourceType === 'virtualMachines',
  );
  if (skus.length === 0) {
    throw new InputError(`no VM sizes are offered to this subscription in ${cloud.spec.region}`, ['spec.region'], {
      hint: 'choose another region',
    });
  }
  const byName = new Map(skus.map((s) => [s.name ?? '', s]));
  for (const d of demand) {
    const sku = byName.get(d.size);
    const restricted = sku?.restrictions?.some(
      (r) => r.type === 'Location' && (r.values ?? []).includes(cloud.spec.region),
    );
    if (!sku || restricted) {
      throw new InputError(
        `VM size ${d.size} is not available in ${cloud.spec.region}${restricted ? ' for this subscription' : ''}`,
        [d.field],
        {
          hint: 'choose another size (`az vm list-skus -l <region> -o table`) or region',
        },
      );
    }
  }
  return byName;
}

/** vCPUs asked vs the regional, per-family and spot quotas (limit - current use). */
export async function checkQuota(cloud: AzCtx, demand: SizeDemand[], skus: Map<string, ResourceSku>): Promise<void> {
  const usages = await cloud.api.usages(cloud.spec.region);
  const free = (name: string) => {
    const u = usages.find((x) => x.name?.value === name);
    return u && u.limit !== undefined
      ? { free: u.limit - (u.currentValue ?? 0), limit: u.limit, label: u.name?.localizedValue ?? name }
      : undefined;
  };
  const need = new Map<string, { vcpus: number; fields: Set<string> }>();
  const add = (quota: string, vcpus: number, field: string) => {
    const n = need.get(quota) ?? { vcpus: 0, fields: new Set<string>() };
    n.vcpus += vcpus;
    n.fields.add(field);
    need.set(quota, n);
  };
  for (const d of demand) {
    const sku = skus.get(d.size);
    const v = vcpusOf(sku) * d.count;
    if (d.spot) add('lowPriorityCores', v, d.field);
    else {
      add('cores', v, d.field);
      if (sku?.family) add(sku.family, v, d.field);
    }
  }
  for (const [quota, n] of need) {
    const f = free(quota);
    if (!f || n.vcpus <= f.free) continue;
    throw new InputError(
      `the cluster needs ${n.vcpus} vCPUs of "${f.label}" in ${cloud.spec.region} but only ${Math.max(f.free, 0)} of ${f.limit} are free`,
      [...n.fields],
      {
        hint: 'request a quota increase (Azure portal → Quotas), or choose fewer or smaller machines',
      },
    );
  }
}
