/**
 * Waiting on Compute operations (zonal, regional or global) with a bound and the step's abort
 * signal, and running inserts/deletes with GCP's usual outcomes folded in: ALREADY_EXISTS on an
 * insert and NOT_FOUND on a delete mean "done"; a resource still in use is retried until a timeout.
 */
import { ProviderError } from '../../errors.js';
import type { GcpCtx } from './context.js';
import { describe, isAlreadyExists, isBusy, isNotFound } from './errors.js';
import type { Operation } from './sdk.js';

export const OP_TIMEOUT_MS = 10 * 60_000;

function opError(op: Operation): { code: string; message: string } | undefined {
  const e = op.error?.errors?.[0];
  return e ? { code: e.code ?? 'UNKNOWN', message: e.message ?? e.code ?? 'operation failed' } : undefined;
}

/** Waits until `op` is DONE; throws its error (a ProviderError carrying the GCP code) if it failed. */
export async function waitOperation(
  cloud: GcpCtx,
  op: Operation,
  what: string,
  timeoutMs = OP_TIMEOUT_MS,
): Promise<Operation> {
  let current = op;
  if (current.status !== 'DONE') {
    current = await cloud.wait(
      what,
      async () => {
        const o = await cloud.api.gce.waitOperation(op);
        return o.status === 'DONE' ? o : undefined;
      },
      // The server already waited (up to 2 min) on each call: poll again soon.
      { timeoutMs, initialIntervalMs: 500, maxIntervalMs: 2000 },
    );
  }
  const err = opError(current);
  if (err) throw Object.assign(new ProviderError(`${what} failed: ${err.code}: ${err.message}`), { gcpCode: err.code });
  return current;
}

/** Insert and wait; an insert answered ALREADY_EXISTS means someone (an earlier run) made it. */
export async function insertAndWait(cloud: GcpCtx, what: string, insert: () => Promise<Operation>): Promise<void> {
  let op: Operation;
  try {
    op = await insert();
  } catch (e) {
    if (isAlreadyExists(e)) return;
    throw e;
  }
  try {
    await waitOperation(cloud, op, `create ${what}`);
  } catch (e) {
    if ((e as { gcpCode?: string }).gcpCode === 'RESOURCE_ALREADY_EXISTS') return;
    throw e;
  }
}

/** Delete and wait; NOT_FOUND is done; "in use" is retried (dependants still going away). */
export async function deleteAndWait(
  cloud: GcpCtx,
  what: string,
  del: () => Promise<Operation>,
  timeoutMs = OP_TIMEOUT_MS,
): Promise<void> {
  await cloud.wait(
    `${what} to be deleted`,
    async () => {
      try {
        await waitOperation(cloud, await del(), `delete ${what}`);
        return true;
      } catch (e) {
        const code = (e as { gcpCode?: string }).gcpCode;
        if (isNotFound(e) || code === 'RESOURCE_NOT_FOUND') return true;
        if (isBusy(e) || code === 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE') {
          cloud.log.debug(`${what}: ${describe(e)}; retrying`);
          return undefined;
        }
        throw e;
      }
    },
    { timeoutMs, initialIntervalMs: 2000, maxIntervalMs: 15_000 },
  );
}

/** `get` that returns undefined for NOT_FOUND. */
export async function getOrUndefined<T>(get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export const lastSegment = (url: string | null | undefined) =>
  String(url ?? '')
    .split('/')
    .pop() ?? '';
