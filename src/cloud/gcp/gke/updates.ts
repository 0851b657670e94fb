/**
 * GKE day-2 changes: each is one mutation (retried while another operation on the cluster runs:
 * FAILED_PRECONDITION), then a wait until the cluster or node pool is RUNNING again and shows the
 * change. The wait reads the resource, not the operation, so a re-run after a crash (operation name
 * lost) waits on the same thing; and each change is compared first, so a converged re-run calls nothing.
 */
import { ProviderError } from '../../../errors.js';
import type { GcpCtx } from '../context.js';
import { getOrUndefined } from '../operations.js';
import type { GkeCluster, GkeNodePool } from '../sdk.js';
import { describeGke, whenIdle } from './cluster.js';

/** A master upgrade takes ~20 minutes; a node pool's surge upgrade rolls every node. */
export const MASTER_TIMEOUT_MS = 60 * 60_000;
export const POOL_TIMEOUT_MS = 3 * 60 * 60_000;

const FAILED = new Set(['ERROR', 'DEGRADED', 'RUNNING_WITH_ERROR', 'STOPPING']);

/** The cluster once RUNNING and `done` (or an error naming its state). */
export function clusterWhen(cloud: GcpCtx, what: string, done: (c: GkeCluster) => boolean): Promise<GkeCluster> {
  return cloud.wait(
    what,
    async () => {
      const c = await describeGke(cloud);
      if (!c) throw new ProviderError(`GKE cluster ${cloud.spec.name} does not exist in ${cloud.spec.region}`);
      if (FAILED.has(String(c.status)))
        throw new ProviderError(`GKE cluster ${cloud.spec.name} is ${String(c.status)}: ${c.statusMessage ?? ''}`);
      return String(c.status) === 'RUNNING' && done(c) ? c : undefined;
    },
    { timeoutMs: MASTER_TIMEOUT_MS, initialIntervalMs: 10_000, maxIntervalMs: 30_000 },
  );
}

/** The node pool once RUNNING and `done`. */
export function poolWhen(
  cloud: GcpCtx,
  path: string,
  what: string,
  done: (p: GkeNodePool) => boolean,
): Promise<GkeNodePool> {
  return cloud.wait(
    what,
    async () => {
      const p = await getOrUndefined(() => cloud.api.gke.getNodePool(path));
      if (!p) throw new ProviderError(`GKE node pool ${path} does not exist`);
      if (FAILED.has(String(p.status)))
        throw new ProviderError(`GKE node pool ${p.name} is ${String(p.status)}: ${p.statusMessage ?? ''}`);
      return String(p.status) === 'RUNNING' && done(p) ? p : undefined;
    },
    { timeoutMs: POOL_TIMEOUT_MS, initialIntervalMs: 15_000, maxIntervalMs: 60_000 },
  );
}

/** Sends `call` once the cluster is idle; a cluster that vanished meanwhile is an error. */
export async function mutate(cloud: GcpCtx, what: string, call: () => Promise<unknown>): Promise<void> {
  const out = await whenIdle(cloud, what, call);
  if (out === 'gone') throw new ProviderError(`${what}: GKE cluster ${cloud.spec.name} is gone`);
}
