/**
 * What GKE node pools' day 2 adds to FakeGcp: operations kept and read back (operations.get: RUNNING
 * until their fake deadline, then DONE), a pool RECONCILING while an operation on it runs, and
 * nodePools.update (labels and taints replace the pool's lists; nodeVersion and imageType required,
 * as the v1 proto marks them; a new nodeVersion upgrades the pool, never past the master). GKE operations live in the model's `ops` under `gke/<name>`.
 */
import type { GkeNodePool, Operation } from '../../../src/cloud/gcp/sdk.js';
import { googleError, notFound } from './errors.js';
import type { Env, Handler } from './env.js';
import { poolConfigRefusal } from './fake-gke.js';
import { masterVersionOf, minor, poolVersionOf } from './fake-gke-updates.js';
import type { Timed } from './model.js';

const key = (name: string) => `gke/${name}`;

export function recordGkeOp(env: Env, type: string, target: string, doneAt: number): Operation {
  const name = `operation-${env.data.seq++}`;
  const op: Operation = { name, operationType: type, status: 'RUNNING', targetLink: target };
  env.data.ops.set(key(name), { op, startAt: env.now(), doneAt });
  return { ...op };
}

/** Whether an operation on `target` is still running. */
const running = (env: Env, target: string) =>
  [...env.data.ops.entries()].some(
    ([k, o]) => k.startsWith('gke/') && o.op.targetLink === target && env.now() < o.doneAt,
  );

export function poolStatus(env: Env, name: string, p: Timed<GkeNodePool>): string {
  if (p.goneAt) return 'STOPPING';
  if (env.now() < p.readyAt) return 'PROVISIONING';
  return running(env, name) || env.now() < (p.reconcilingUntil ?? 0) ? 'RECONCILING' : 'RUNNING';
}

export const gkeDay2Handlers = (busy: (env: Env, cluster: string) => void): Record<string, Handler> => ({
  'clusterManager:getOperation': (env, req) => {
    const name =
      String(req.name ?? '')
        .split('/')
        .pop() ?? '';
    if (!/^projects\/[^/]+\/locations\/[^/]+\/operations\/[^/]+$/.test(String(req.name)))
      throw googleError('INVALID_ARGUMENT', `invalid operation name ${String(req.name)}`);
    const o = env.data.ops.get(key(name));
    if (!o) throw notFound(String(req.name));
    return { ...o.op, status: env.now() >= o.doneAt ? 'DONE' : 'RUNNING' };
  },
  'clusterManager:updateNodePool': (env, req) => {
    const p = env.data.nodePools.get(req.name);
    if (!p || p.goneAt) throw notFound(req.name);
    if (!req.nodeVersion || !req.imageType)
      throw googleError('INVALID_ARGUMENT', 'UpdateNodePoolRequest.node_version and image_type must be set');
    const cluster = String(req.name).replace(/\/nodePools\/[^/]+$/, '');
    busy(env, cluster);
    // A version change (an upgrade): never newer than the master, as GKE refuses.
    const master = masterVersionOf(env.data.clusters.get(cluster)!);
    // `-` is GKE's alias for the master's version.
    const version = req.nodeVersion === '-' ? (master ?? poolVersionOf(env, req.name)) : String(req.nodeVersion);
    if (minor(version) > minor(master))
      throw googleError(
        'INVALID_ARGUMENT',
        `Node version "${version}" must not be newer than the master version "${master}".`,
      );
    const config = {
      ...p.res.config,
      ...(req.labels ? { labels: { ...(req.labels.labels ?? {}) } } : {}),
      ...(req.taints ? { taints: [...(req.taints.taints ?? [])] } : {}),
    };
    const refused = poolConfigRefusal({
      name: p.res.name ?? '',
      config: { labels: config.labels ?? {}, taints: (config.taints ?? []) as { key?: string; effect?: unknown }[] },
    });
    if (refused) throw refused;
    const upgrade = version !== poolVersionOf(env, req.name);
    p.res = { ...p.res, config: { ...config, imageType: req.imageType }, version };
    const doneAt = env.now() + env.config.latencies.gkeNodePool / (upgrade ? 1 : 2);
    env.data.clusters.get(cluster)!.busyUntil = doneAt;
    return recordGkeOp(env, 'UPDATE_NODE_POOL', req.name, doneAt);
  },
});
