/**
 * GKE node pools on day 2: one deleted (GKE drains its nodes), resized (setNodePoolSize, per zone),
 * relabelled (nodePools.update: `labels` and `taints` replace the pool's lists), each call retried
 * while another operation runs on the cluster and then waited on through operations.get until DONE.
 * Bounds (`min`/`max`) stay in ksctl's spec: GKE's own autoscaler is left off (it would own the count).
 */
import type { ClusterSpec, NodePoolSpec } from '../../../api/types.js';
import { InputError, ProviderError } from '../../../errors.js';
import { forget } from '../../common/record.js';
import { usableZones } from '../checks.js';
import type { GcpCtx } from '../context.js';
import { getOrUndefined } from '../operations.js';
import type { GkeNodePool, GkeOperation } from '../sdk.js';
import { locationPath, whenIdle } from './cluster.js';
import { checkPoolZones, GKE_TAINT_EFFECT, perZoneCount, poolKey, poolPath } from './nodepools.js';

const OP_TIMEOUT_MS = 60 * 60_000;
const NAME = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** Waits until GKE reports the operation DONE; its error (if any) fails the step. */
async function waitGkeOperation(cloud: GcpCtx, op: GkeOperation, what: string): Promise<void> {
  if (!op.name) throw new ProviderError(`${what}: GKE returned no operation`);
  const name = `${locationPath(cloud)}/operations/${op.name}`;
  const done = await cloud.wait(
    `${what} (operation ${op.name})`,
    async () => {
      const now = await cloud.api.gke.getOperation(name);
      return String(now.status) === 'DONE' ? now : undefined;
    },
    { timeoutMs: OP_TIMEOUT_MS, initialIntervalMs: 5_000, maxIntervalMs: 30_000 },
  );
  if (done.error?.message) throw new ProviderError(`${what} failed: ${done.error.message}`);
}

/** Runs a pool mutation once the cluster is idle and waits for its operation; not-found is `gone`. */
async function mutate(cloud: GcpCtx, what: string, call: () => Promise<GkeOperation>): Promise<'ok' | 'gone'> {
  let op: GkeOperation | undefined;
  const out = await whenIdle(cloud, what, async () => {
    op = await call();
  });
  if (out === 'gone') return 'gone';
  if (op) await waitGkeOperation(cloud, op, what);
  return 'ok';
}

const getPool = (cloud: GcpCtx, name: string) => getOrUndefined(() => cloud.api.gke.getNodePool(poolPath(cloud, name)));

async function livePool(cloud: GcpCtx, name: string): Promise<GkeNodePool> {
  const pool = await getPool(cloud, name);
  if (!pool) throw new ProviderError(`node pool ${name} of GKE cluster ${cloud.spec.name} does not exist`);
  return pool;
}

/** Sets the pool's total size: GKE counts per zone, so the total is divided by the pool's zones. */
export async function resizeGkePool(cloud: GcpCtx, name: string, count: number): Promise<void> {
  const pool = await livePool(cloud, name);
  const perZone = perZoneCount(name, count, pool.locations?.length ?? 1);
  cloud.log.info(`resizing node pool ${name} to ${count} (${perZone} per zone)`);
  if (
    (await mutate(cloud, `resize node pool ${name}`, () =>
      cloud.api.gke.setNodePoolSize(poolPath(cloud, name), perZone),
    )) === 'gone'
  )
    throw new ProviderError(`node pool ${name} of GKE cluster ${cloud.spec.name} does not exist`);
}

/** GKE's form of the pool's labels and taints (ksctl.io/pool included), as nodePools.update takes them. */
export function gkeLabelsAndTaints(p: NodePoolSpec): {
  labels: Record<string, string>;
  taints: { key: string; value: string; effect: string }[];
} {
  return {
    labels: { ...p.labels, 'ksctl.io/pool': p.name },
    taints: p.taints.map((t) => ({ key: t.key, value: t.value, effect: GKE_TAINT_EFFECT[t.effect] })),
  };
}

const sortedJson = (v: unknown[]) => JSON.stringify(v.map((x) => JSON.stringify(x)).sort());

/** Sets the pool's labels and taints to the spec's (both lists replaced; nothing sent when equal). */
export async function relabelGkePool(cloud: GcpCtx, p: NodePoolSpec): Promise<void> {
  const pool = await livePool(cloud, p.name);
  const want = gkeLabelsAndTaints(p);
  const haveTaints = (pool.config?.taints ?? []).map((t) => ({
    key: t.key ?? '',
    value: t.value ?? '',
    effect: String(t.effect),
  }));
  const sameLabels = sortedJson(Object.entries(pool.config?.labels ?? {})) === sortedJson(Object.entries(want.labels));
  if (sameLabels && sortedJson(haveTaints) === sortedJson(want.taints)) return;
  cloud.log.info(`updating node pool ${p.name}: labels and taints`);
  // nodeVersion and imageType are required: the pool's own, so nothing but labels and taints changes.
  const out = await mutate(cloud, `update node pool ${p.name}`, () =>
    cloud.api.gke.updateNodePool({
      name: poolPath(cloud, p.name),
      nodeVersion: pool.version ?? '-',
      imageType: pool.config?.imageType ?? 'COS_CONTAINERD',
      labels: { labels: want.labels },
      taints: { taints: want.taints.map((t) => ({ ...t, effect: t.effect as 'NO_SCHEDULE' })) },
    }),
  );
  if (out === 'gone') throw new ProviderError(`node pool ${p.name} of GKE cluster ${cloud.spec.name} does not exist`);
}

/** Deletes the pool (GKE drains its nodes) and waits until it is gone; not found is done. */
export async function deleteGkePool(cloud: GcpCtx, name: string): Promise<void> {
  const pool = await getPool(cloud, name);
  if (pool && pool.status !== 'STOPPING') {
    cloud.log.info(`deleting node pool ${name}`);
    await mutate(cloud, `delete node pool ${name}`, () => cloud.api.gke.deleteNodePool(poolPath(cloud, name)));
  }
  if (pool)
    await cloud.wait(`node pool ${name} to be deleted`, async () => ((await getPool(cloud, name)) ? undefined : true), {
      timeoutMs: OP_TIMEOUT_MS,
      initialIntervalMs: 10_000,
      maxIntervalMs: 30_000,
    });
  await forget(cloud.ctx, poolKey(name));
}

/**
 * Day-2 checks before anything is written: a new pool's name, size, count and zones (zones of the
 * region offering its machine type; counts that spread evenly), and a resized pool's total against
 * its zones (GKE counts per zone).
 */
export async function checkGkePoolChange(
  cloud: GcpCtx,
  change: { created: NodePoolSpec[]; scaled: NodePoolSpec[] },
): Promise<void> {
  const spec = cloud.spec;
  const created = new Set(change.created.map((p) => p.name));
  spec.nodePools.forEach((p, i) => {
    if (!created.has(p.name)) return;
    const at = `spec.nodePools[${i}]`;
    if (!NAME.test(p.name))
      throw new InputError(`node pool name "${p.name}" is not valid for GKE (lowercase, digits, '-', at most 40)`, [
        `${at}.name`,
      ]);
    if (p.count < 1) throw new InputError(`${at}.count must be at least 1 for a new GKE node pool`, [`${at}.count`]);
  });
  if (change.created.some((p) => p.zones?.length)) {
    const sizes = change.created.map((p) => ({ field: 'spec.nodePools', size: p.size, count: p.count }));
    const { zones } = await usableZones(cloud, sizes);
    const onlyNew: ClusterSpec = {
      ...spec,
      nodePools: spec.nodePools.map((p) => (created.has(p.name) ? p : { ...p, zones: undefined })),
    };
    checkPoolZones(onlyNew, zones);
  }
  for (const p of change.scaled) {
    const pool = await livePool(cloud, p.name);
    perZoneCount(p.name, p.count, pool.locations?.length ?? 1);
  }
}
