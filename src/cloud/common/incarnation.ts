/**
 * Which incarnation of a cluster a step works for, and idempotency tokens that name it. Clouds
 * remember tokens long after the resource is gone (EC2 ClientToken ≥ 24 h after termination,
 * Compute requestId an hour): a token built only from names would, after a delete and a create of
 * the same name, replay the old request (GCP: the old finished operation, nothing created) or be
 * refused (EC2: IdempotentParameterMismatch). So a token hashes the incarnation and the request's
 * parameters: the same request of the same incarnation retried → the same token; anything else → a
 * new one.
 */
import { createHash } from 'node:crypto';
import type { StepContext } from '../../pipeline/types.js';

/** The state's uid (older state: its createdAt, which is just as unique per incarnation). */
export function incarnationOf(ctx: StepContext): string {
  const s = ctx.cluster.state;
  return s?.uid ?? s?.createdAt ?? '';
}

/** JSON with object keys sorted, so the same parameters always hash the same. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Hex sha256 of (what, incarnation, parameters): the material of every token. */
export function tokenHash(what: string, incarnation: string, params: unknown): string {
  return createHash('sha256')
    .update(`${what}\n${incarnation}\n${canonical(params)}`)
    .digest('hex');
}
