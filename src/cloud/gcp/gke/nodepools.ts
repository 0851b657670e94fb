/**
 * GKE node pools: from spec.nodePools, or one `default` pool from spec.workers. Created inline with
 * the cluster; a pool missing afterwards (added to the spec later) is created on its own. Spot pools
 * set `config.spot`. Deleted before the cluster.
 */
import type { ClusterSpec, NodePoolSpec, TaintEffect } from '../../../api/types.js';
import { InputError, ProviderError } from '../../../errors.js';
import { ensureRecorded, forget, recordedKeys } from '../../common/record.js';
import type { GcpCtx } from '../context.js';
import { labelsFor } from '../naming.js';
import { getOrUndefined } from '../operations.js';
import type { GkeNodePool } from '../sdk.js';
import { clusterPath, describeGke, isOurs, whenIdle } from './cluster.js';

const POOL_TIMEOUT_MS = 30 * 60_000;
export const poolKey = (name: string) => `nodepool/${name}`;
export const poolPath = (cloud: GcpCtx, name: string) => `${clusterPath(cloud)}/nodePools/${name}`;

export function nodePools(spec: ClusterSpec): NodePoolSpec[] {
  const pools =
    spec.nodePools.length > 0
      ? spec.nodePools
      : [
          {
            name: 'default',
            count: spec.workers.count,
            size: spec.workers.size,
            spot: spec.workers.spot,
            labels: {},
            taints: [],
          },
        ];
  pools.forEach((p, i) => {
    const field = spec.nodePools.length > 0 ? `spec.nodePools[${i}]` : 'spec.workers';
    if (!/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/.test(p.name))
      throw new InputError(`node pool name "${p.name}" is not valid for GKE`, [`${field}.name`]);
    if (!p.size) throw new InputError(`${field}.size must be set for GKE`, [`${field}.size`]);
    if (p.count < 1) throw new InputError(`${field}.count must be at least 1`, [`${field}.count`]);
  });
  return pools;
}

/**
 * Where a pool's nodes go. In a regional cluster `initialNodeCount` is *per zone*, so a pool of
 * `count` nodes is spread over the largest number of zones (3, 2 or 1) that divides it evenly:
 * 2 → 1+1, 3 → 1+1+1, 4 → 2+2, 5 → 5 in one zone. The total is always `count`.
 */
export function poolPlacement(count: number, zones: string[]): { locations: string[]; perZone: number } {
  const k = [3, 2, 1].find((n) => n <= zones.length && count % n === 0) ?? 1;
  return { locations: zones.slice(0, k), perZone: count / k };
}

/** Kubernetes' taint effects as GKE's NodeTaint.Effect enum names them (google/container/v1 cluster_service.proto). */
export const GKE_TAINT_EFFECT: Record<TaintEffect, 'NO_SCHEDULE' | 'PREFER_NO_SCHEDULE' | 'NO_EXECUTE'> = {
  NoSchedule: 'NO_SCHEDULE',
  PreferNoSchedule: 'PREFER_NO_SCHEDULE',
  NoExecute: 'NO_EXECUTE',
};

/**
 * A pool that names its zones: each must be one where the pool's machine type (and the cluster's) is
 * offered, and the count must spread evenly over them (GKE counts nodes per zone). Checked in preflight,
 * before any call that changes something.
 */
export function checkPoolZones(spec: ClusterSpec, usable: string[]): void {
  spec.nodePools.forEach((p, i) => {
    if (!p.zones) return;
    p.zones.forEach((z, j) => {
      if (!usable.includes(z)) {
        throw new InputError(
          `spec.nodePools[${i}].zones[${j}]: "${z}" is not a zone of ${spec.region} that offers the cluster's machine types: use ${usable.join(', ')}`,
          [`spec.nodePools[${i}].zones[${j}]`],
        );
      }
    });
    const k = p.zones.length;
    if (k === 0 || p.count % k !== 0) {
      throw new InputError(
        `spec.nodePools[${i}].count must be a multiple of its ${k} zone(s): GKE places the same number of nodes in each`,
        [`spec.nodePools[${i}].count`],
      );
    }
  });
}

export function poolResource(cloud: Pick<GcpCtx, 'spec'>, p: NodePoolSpec, zones: string[]): GkeNodePool {
  const labels = labelsFor(cloud.spec, poolKey(p.name), 'worker', { 'ksctl-io-pool': p.name });
  // The pool's own zones when it names them (checkPoolZones made the count divide), else ksctl's spread.
  const place = p.zones?.length
    ? { locations: p.zones, perZone: p.count / p.zones.length }
    : poolPlacement(p.count, zones);
  return {
    name: p.name,
    initialNodeCount: place.perZone,
    ...(zones.length > 0 || p.zones?.length ? { locations: place.locations } : {}),
    config: {
      machineType: p.size,
      spot: p.spot,
      diskSizeGb: 50,
      imageType: 'COS_CONTAINERD',
      resourceLabels: labels,
      labels: { ...p.labels, 'ksctl.io/pool': p.name },
      ...(p.taints.length > 0
        ? { taints: p.taints.map((t) => ({ key: t.key, value: t.value, effect: GKE_TAINT_EFFECT[t.effect] })) }
        : {}),
      oauthScopes: ['https://www.googleapis.com/auth/cloud-platform'],
      shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
    },
    management: { autoRepair: true, autoUpgrade: true },
  };
}

export async function ensureNodePool(cloud: GcpCtx, p: NodePoolSpec, zones: string[]): Promise<void> {
  const path = poolPath(cloud, p.name);
  const pool = await getOrUndefined(() => cloud.api.gke.getNodePool(path));
  if (!pool) {
    cloud.log.info(`creating node pool ${p.name}`);
    await whenIdle(cloud, `create node pool ${p.name}`, () =>
      cloud.api.gke.createNodePool(clusterPath(cloud), poolResource(cloud, p, zones)),
    );
  }
  await ensureRecorded(cloud.ctx, poolKey(p.name), { kind: 'gcp:gke-nodepool', id: path, name: p.name });
  await cloud.wait(
    `node pool ${p.name} to run`,
    async () => {
      const np = await getOrUndefined(() => cloud.api.gke.getNodePool(path));
      if (np?.status === 'ERROR') throw new ProviderError(`node pool ${p.name} is in ERROR: ${np.statusMessage ?? ''}`);
      return np?.status === 'RUNNING' ? np : undefined;
    },
    { timeoutMs: POOL_TIMEOUT_MS, initialIntervalMs: 10_000, maxIntervalMs: 30_000 },
  );
  await ensureRecorded(cloud.ctx, poolKey(p.name), {
    kind: 'gcp:gke-nodepool',
    id: path,
    name: p.name,
    status: 'running',
    data: { size: p.size, count: p.count, spot: p.spot },
  });
}

/**
 * setNodePoolSize's `nodeCount` is per zone of the pool (like `gcloud container clusters resize
 * --num-nodes`): a pool in 2 zones asked for 4 would get 8. So the total is divided by the pool's
 * zone count; a total that does not divide is refused (the pool's zones are fixed at creation).
 */
export function perZoneCount(name: string, total: number, zones: number): number {
  const k = Math.max(1, zones);
  if (!Number.isInteger(total) || total < 0 || total % k !== 0) {
    const lower = Math.floor(total / k) * k;
    const hint = [lower, lower + k].filter((n) => n > 0).join(' or ');
    throw new InputError(
      `nodePools[${name}].count must be a multiple of ${k}: the pool spreads its nodes evenly over ${k} zones (try ${hint})`,
      [`spec.nodePools[${name}].count`],
    );
  }
  return total / k;
}

/** Every pool of our cluster (from state and from the cluster itself), deleted and waited out. */
export async function deleteNodePools(cloud: GcpCtx): Promise<void> {
  const c = await describeGke(cloud);
  const names = new Set(recordedKeys(cloud.ctx, 'nodepool/').map((k) => k.slice('nodepool/'.length)));
  if (c && isOurs(cloud, c) && c.status !== 'STOPPING') {
    for (const p of await cloud.api.gke.listNodePools(clusterPath(cloud))) if (p.name) names.add(p.name);
    for (const name of names) {
      const np = await getOrUndefined(() => cloud.api.gke.getNodePool(poolPath(cloud, name)));
      if (!np) continue;
      if (np.status !== 'STOPPING') {
        cloud.log.info(`deleting node pool ${name}`);
        await whenIdle(cloud, `delete node pool ${name}`, () => cloud.api.gke.deleteNodePool(poolPath(cloud, name)));
      }
      await cloud.wait(
        `node pool ${name} to be deleted`,
        async () => ((await getOrUndefined(() => cloud.api.gke.getNodePool(poolPath(cloud, name)))) ? undefined : true),
        {
          timeoutMs: POOL_TIMEOUT_MS,
          initialIntervalMs: 10_000,
          maxIntervalMs: 30_000,
        },
      );
    }
  }
  await forget(cloud.ctx, ...recordedKeys(cloud.ctx, 'nodepool/'));
}
