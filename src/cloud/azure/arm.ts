/**
 * The one "ensure" every Azure resource goes through: look up by its deterministic name (a GET, or a
 * list shared with the lookups made at the same time); PUT (idempotent
 * by name, waited on through the SDK poller) only when it is missing or not Succeeded; then record
 * it in state. A converged re-run therefore makes no mutating call and writes no state.
 */
import type { Role } from '../../api/types.js';
import { ProviderError } from '../../errors.js';
import { ensureRecorded } from '../common/record.js';
import type { AzCtx } from './context.js';
import { getOrUndefined, isNotFound } from './errors.js';
import type { ArmOps, ArmResource } from './sdk.js';

export { getOrUndefined };

export const provisioningState = (r: ArmResource | undefined): string | undefined =>
  (r?.['provisioningState'] as string | undefined) ?? (r?.properties?.['provisioningState'] as string | undefined);

export interface EnsureOptions {
  /** State key (`vnet`, `nsg/worker`, `vm/<name>`...). */
  key: string;
  kind: string;
  role?: Role;
  data?: Record<string, string>;
  /** False when an existing resource differs from what the spec asks (then it is PUT again). */
  matches?: (existing: ArmResource) => boolean;
}

const TERMINAL = ['Succeeded', 'Failed', 'Canceled'];

/**
 * Waits while a resource is in a transitional state (Creating, Updating, Deleting...): an earlier run
 * may have crashed after its PUT, and some services (AKS) refuse a PUT while one is in progress.
 * Types the API watches together wait with the others; the rest poll with backoff.
 */
async function settled(
  cloud: AzCtx,
  ops: ArmOps,
  name: string,
  res: ArmResource | undefined,
): Promise<ArmResource | undefined> {
  if (res && !TERMINAL.includes(provisioningState(res) ?? 'Succeeded') && ops.settled) {
    cloud.log.debug(`${name} is ${provisioningState(res)}; waiting`);
    return ops.settled(cloud.group, name);
  }
  const deadline = Date.now() + cloud.runtime.lroTimeoutMs;
  let delay = cloud.runtime.pollIntervalMs ?? 5000;
  while (res && !TERMINAL.includes(provisioningState(res) ?? 'Succeeded')) {
    if (Date.now() > deadline)
      throw new ProviderError(
        `${name} stayed ${provisioningState(res)} for ${Math.round(cloud.runtime.lroTimeoutMs / 1000)} s`,
      );
    cloud.log.debug(`${name} is ${provisioningState(res)}; waiting`);
    await sleep(delay, cloud.ctx.signal);
    delay = Math.min(delay * 2, cloud.runtime.pollIntervalMs ?? 30_000);
    res = await getOrUndefined(() => ops.get(cloud.group, name));
  }
  return res;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => (clearTimeout(t), reject(signal.reason));
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function ensureArm(
  cloud: AzCtx,
  ops: ArmOps,
  name: string,
  body: () => ArmResource,
  opts: EnsureOptions,
): Promise<ArmResource> {
  const found = ops.find ? await ops.find(cloud.group, name) : await getOrUndefined(() => ops.get(cloud.group, name));
  let res = await settled(cloud, ops, name, found);
  if (!res || provisioningState(res) !== 'Succeeded' || (opts.matches && !opts.matches(res))) {
    cloud.log.debug(`${res ? 'updating' : 'creating'} ${opts.kind} ${name}`);
    res = await ops.put(cloud.group, name, body());
  }
  await ensureRecorded(cloud.ctx, opts.key, {
    kind: opts.kind,
    id: res.id ?? name,
    name,
    ...(opts.role ? { role: opts.role } : {}),
    ...(opts.data ? { data: opts.data } : {}),
  });
  return res;
}

/** Deletes one resource by name; not found is done. */
export async function deleteArm(cloud: AzCtx, ops: ArmOps, name: string): Promise<void> {
  try {
    await ops.delete(cloud.group, name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
