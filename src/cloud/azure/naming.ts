/**
 * Deterministic names and tags. Every Azure resource ksctl creates lives in one resource group per
 * cluster (`ksctl-<name>-<region>`) and carries `ksctl.io/cluster` (whose), `ksctl.io/role` (what
 * for) and `ksctl.io/resource` (its key in state), set in the PUT that creates it.
 */
import { createHash } from 'node:crypto';
import type { ClusterSpec } from '../../api/types.js';

export const TAG_CLUSTER = 'ksctl.io/cluster';
export const TAG_ROLE = 'ksctl.io/role';
export const TAG_RESOURCE = 'ksctl.io/resource';
export const TAG_MACHINE = 'ksctl.io/machine';

type Spec = Pick<ClusterSpec, 'name' | 'region'>;

/** The value of every `ksctl.io/cluster` tag: `azure/<region>/<name>`. */
export const clusterKey = (spec: Spec) => `azure/${spec.region}/${spec.name}`;

/** Azure names are capped (resource groups at 90, NICs and VMs at 64-80): shorten with a hash. */
export function boundedName(base: string, max: number): string {
  if (base.length <= max) return base;
  return `${base.slice(0, max - 9)}-${createHash('sha256').update(base).digest('hex').slice(0, 8)}`;
}

export const resourceGroupName = (spec: Spec) => boundedName(`ksctl-${spec.name}-${spec.region}`, 90);
export const vnetName = (spec: Spec) => boundedName(`ksctl-${spec.name}-vnet`, 64);
export const SUBNET_NAME = 'nodes';
export const nsgName = (spec: Spec, role: string) => boundedName(`ksctl-${spec.name}-${role}-nsg`, 80);
export const asgName = (spec: Spec, role: string) => boundedName(`ksctl-${spec.name}-${role}-asg`, 80);
export const publicIpName = (machine: string) => boundedName(`${machine}-ip`, 80);
export const nicName = (machine: string) => boundedName(`${machine}-nic`, 80);
/** VM names are 64 characters at most (Linux computer names too). */
export const vmName = (machine: string) => boundedName(machine, 64);
export const aksName = (spec: Spec) => boundedName(`ksctl-${spec.name}`, 63);

/** Tags for one resource. */
export function tagsFor(
  spec: Spec,
  resource: string,
  role: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { [TAG_CLUSTER]: clusterKey(spec), [TAG_ROLE]: role, [TAG_RESOURCE]: resource, ...extra };
}
