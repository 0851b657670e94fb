/**
 * Where an EKS node group's nodes go: the cluster's subnets (one per zone, made with the network), or
 * only those in the zones its pool names. A pool's zones must be zones the cluster has a subnet in;
 * the create preflight checks them against the region's usable zones (and the network takes them
 * first), day 2 against the subnets the cluster has.
 */
import type { ClusterSpec, NodePoolSpec } from '../../../api/types.js';
import { InputError } from '../../../errors.js';
import type { AwsCtx } from '../context.js';
import { recordedNetwork } from '../network.js';

/** Every zone a pool of `spec` names, once, in the order the pools name them. */
export function poolZones(spec: Pick<ClusterSpec, 'nodePools'>): string[] {
  return [...new Set(spec.nodePools.flatMap((p) => p.zones ?? []))];
}

/** Exit 2 naming spec.nodePools[i].zones[j] for a zone not in `allowed` (only pools in `only`, when given). */
export function checkPoolZonesIn(spec: ClusterSpec, allowed: string[], where: string, only?: Set<string>): void {
  spec.nodePools.forEach((p, i) => {
    if (only && !only.has(p.name)) return;
    (p.zones ?? []).forEach((z, j) => {
      if (!allowed.includes(z))
        throw new InputError(
          `spec.nodePools[${i}].zones[${j}]: "${z}" is not ${where}: use ${allowed.join(', ') || '(none)'}`,
          [`spec.nodePools[${i}].zones[${j}]`],
        );
    });
  });
}

/** The zones the cluster's recorded subnets are in. */
export function clusterZones(cloud: AwsCtx): string[] {
  return recordedNetwork(cloud).subnets.map((s) => s.zone);
}

/** The subnet ids a node group of `pool` is placed in. */
export function poolSubnets(cloud: AwsCtx, pool: NodePoolSpec): string[] {
  const subnets = recordedNetwork(cloud).subnets;
  if (!pool.zones?.length) return subnets.map((s) => s.id);
  const zones = clusterZones(cloud);
  checkPoolZonesIn(cloud.spec, zones, `a zone of cluster ${cloud.spec.name}'s subnets`, new Set([pool.name]));
  return subnets.filter((s) => pool.zones!.includes(s.zone)).map((s) => s.id);
}
