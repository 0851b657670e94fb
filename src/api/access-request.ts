/**
 * `allowCidrs` changed on day 2 (apply -f, issue 13): the spec the cluster would have, checked with
 * the same rules as at create (IPv4 CIDRs without host bits, at most MAX_ALLOW_CIDRS). An empty list
 * keeps its create-time meaning: the operator's own public address, looked up when the change runs.
 */
import { InputError } from '../errors.js';
import type { ClusterSpec } from './types.js';
import { formatIssues, validateSpec } from './validate.js';

const FIELD = 'spec.network.allowCidrs';

/** The spec with `allowCidrs` (duplicates dropped, order kept), or exit 2 naming the bad entries. */
export function withAllowCidrs(spec: ClusterSpec, allowCidrs: readonly string[]): ClusterSpec {
  const next: ClusterSpec = { ...spec, network: { ...spec.network, allowCidrs: [...new Set(allowCidrs)] } };
  // Only this field's issues: the rest of the recorded spec was accepted at create.
  const issues = validateSpec(next).filter((i) => i.path === FIELD || i.path.startsWith(`${FIELD}[`));
  if (issues.length > 0)
    throw new InputError(
      formatIssues(issues),
      issues.map((i) => i.path),
    );
  return next;
}

/** How a list reads in a plan: the ranges, or what the empty list means. */
export function describeAllowCidrs(allowCidrs: readonly string[]): string {
  return allowCidrs.length > 0 ? allowCidrs.join(', ') : "the operator's own address (looked up when it runs)";
}
