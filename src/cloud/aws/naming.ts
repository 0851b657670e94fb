/**
 * Deterministic names, tags and idempotency tokens. Every resource carries `ksctl.io/cluster` (whose
 * cluster), `ksctl.io/role` (what for) and `ksctl.io/resource` (its logical key in state), set at
 * creation through TagSpecifications, so a re-run or a delete finds it even if state lost it.
 */
import { createHash } from 'node:crypto';
import type { ClusterSpec } from '../../api/types.js';
import { tokenHash } from '../common/incarnation.js';
import type { Filter, Tag } from './sdk.js';

export const TAG_CLUSTER = 'ksctl.io/cluster';
export const TAG_ROLE = 'ksctl.io/role';
export const TAG_RESOURCE = 'ksctl.io/resource';
export const TAG_MACHINE = 'ksctl.io/machine';

type Spec = Pick<ClusterSpec, 'name' | 'region'>;

/** The stable cluster id written into every tag: `aws/<region>/<name>`. */
export function clusterKey(spec: Spec): string {
  return `aws/${spec.region}/${spec.name}`;
}

export function shortHash(text: string, len = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, len);
}

/** Tags for one resource; `name` becomes the console-visible `Name`. */
export function tagsFor(
  spec: Spec,
  resource: string,
  role: string,
  name: string,
  extra: Record<string, string> = {},
): { Key: string; Value: string }[] {
  const all: Record<string, string> = {
    Name: name,
    [TAG_CLUSTER]: clusterKey(spec),
    [TAG_ROLE]: role,
    [TAG_RESOURCE]: resource,
    ...extra,
  };
  return Object.entries(all).map(([Key, Value]) => ({ Key, Value }));
}

/** The same tags as a map (EKS and IAM take `{key: value}` or `[{Key, Value}]`). */
export function tagMap(tags: Tag[]): Record<string, string> {
  return Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? '']));
}

export function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

export function clusterFilter(spec: Spec): Filter {
  return { Name: `tag:${TAG_CLUSTER}`, Values: [clusterKey(spec)] };
}

export function resourceFilter(resource: string | string[]): Filter {
  return { Name: `tag:${TAG_RESOURCE}`, Values: Array.isArray(resource) ? resource : [resource] };
}

/** `ksctl-<name>` style names, shortened with a hash when a cloud limit would cut them. */
export function boundedName(base: string, max: number): string {
  if (base.length <= max) return base;
  return `${base.slice(0, max - 9)}-${shortHash(base)}`;
}

export const keyPairName = (spec: Spec) => boundedName(`ksctl-${spec.name}`, 255);
export const securityGroupName = (spec: Spec, role: string) => boundedName(`ksctl-${spec.name}-${role}`, 255);
/** IAM is global: the region is part of the name. Role names are limited to 64 characters. */
export const iamRoleName = (spec: Spec, purpose: 'cluster' | 'node') =>
  boundedName(`ksctl-${spec.name}-${spec.region}-${purpose}`, 64);

/**
 * EC2 ClientToken for one launch: this incarnation of the cluster, the machine, the generation and
 * the request's parameters. A retry of the same request (a lost response) → the same token → the
 * same instance; a deleted-and-recreated cluster or changed parameters (new subnet, size, user data)
 * → a new token, never the IdempotentParameterMismatch EC2 answers for ≥ 24 h after termination.
 * At most 64 ASCII characters.
 */
export function machineClientToken(
  spec: Spec,
  incarnation: string,
  machine: string,
  generation: number,
  params: unknown,
): string {
  return `ksctl-${tokenHash(`${clusterKey(spec)}/${machine}/${generation}`, incarnation, params).slice(0, 40)}`;
}

/** EKS clientRequestToken for a cluster or node group create (same rules as machineClientToken). */
export function eksRequestToken(spec: Spec, incarnation: string, what: string, params: unknown): string {
  return `ksctl-${tokenHash(`${clusterKey(spec)}/${what}`, incarnation, params).slice(0, 40)}`;
}
