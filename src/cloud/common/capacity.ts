/**
 * "The cloud has no room for one more machine": a quota (vCPUs, instances, cores) or the zone's
 * capacity refused a VM create. Day-2 work that needs an extra machine (an upgrade's surge) stops
 * on it with a way out instead of a raw API error. Codes as each cloud documents them:
 * - EC2 (API reference, errors overview): VcpuLimitExceeded, InstanceLimitExceeded,
 *   MaxSpotInstanceCountExceeded, InsufficientInstanceCapacity, InsufficientCapacity, UnfulfillableCapacity;
 * - Azure Resource Manager ("Resolve errors for resource quotas", VM allocation failures):
 *   QuotaExceeded, ResourceQuotaExceeded, OperationNotAllowed when it names a quota, SkuNotAvailable,
 *   AllocationFailed, ZonalAllocationFailed;
 * - Compute Engine (errors catalog, resource availability): QUOTA_EXCEEDED / quotaExceeded,
 *   ZONE_RESOURCE_POOL_EXHAUSTED(_WITH_DETAILS).
 * The error may arrive wrapped (ksctl's ProviderError around the SDK's), so the cause chain is read.
 */

const CODES = new Set([
  'VcpuLimitExceeded',
  'InstanceLimitExceeded',
  'MaxSpotInstanceCountExceeded',
  'InsufficientInstanceCapacity',
  'InsufficientCapacity',
  'UnfulfillableCapacity',
  'QuotaExceeded',
  'ResourceQuotaExceeded',
  'SkuNotAvailable',
  'AllocationFailed',
  'ZonalAllocationFailed',
  'QUOTA_EXCEEDED',
  'quotaExceeded',
  'ZONE_RESOURCE_POOL_EXHAUSTED',
  'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS',
]);
const IN_TEXT = new RegExp(`\\b(${[...CODES].join('|')})\\b`);

interface ErrorLike {
  awsCode?: unknown;
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** Whether `e` (or what it wraps) is a cloud refusing a machine for quota or capacity. */
export function isCapacityRefusal(e: unknown): boolean {
  for (let cur = e as ErrorLike | undefined, depth = 0; cur && typeof cur === 'object' && depth < 8; depth++) {
    const message = typeof cur.message === 'string' ? cur.message : '';
    for (const c of [cur.awsCode, cur.code, cur.name]) {
      if (typeof c !== 'string') continue;
      if (CODES.has(c)) return true;
      if (c === 'OperationNotAllowed' && /quota/i.test(message)) return true;
    }
    if (IN_TEXT.test(message)) return true;
    cur = cur.cause as ErrorLike | undefined;
  }
  return false;
}
