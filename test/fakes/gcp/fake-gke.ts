/**
 * GKE handlers of FakeGcp: server config, clusters (PROVISIONING → RUNNING, STOPPING → gone) with
 * inline node pools, node pools on their own, and GKE's "another operation is in progress"
 * (FAILED_PRECONDITION) while a cluster is busy.
 */
import { alreadyExists, googleError, notFound } from './errors.js';
import type { Env, Handler } from './env.js';
import { gkeDay2Handlers, poolStatus, recordGkeOp } from './fake-gke-day2.js';
import { clusterStatus, masterVersionOf, poolVersionOf } from './fake-gke-updates.js';

/** A GKE operation on `target`, kept (operations.get) and DONE at `doneAt` (fake-gke-day2.ts). */
const gkeOp = (env: Env, type: string, target: string, doneAt: number) => recordGkeOp(env, type, target, doneAt);

function busy(env: Parameters<Handler>[0], cluster: string): void {
  const c = env.data.clusters.get(cluster);
  if (c && env.now() < c.busyUntil)
    throw googleError('FAILED_PRECONDITION', `Cluster is running incompatible operation operation-${c.busyUntil}.`);
}

/**
 * What GKE checks of a node pool's Kubernetes labels and taints: NodeTaint.effect must be one of the
 * proto's effects other than EFFECT_UNSPECIFIED, a taint needs a key, labels are strings.
 */
export function poolConfigRefusal(pool: {
  name?: string;
  config?: { labels?: Record<string, unknown>; taints?: { key?: string; effect?: unknown }[] };
}): Error | undefined {
  for (const t of pool.config?.taints ?? []) {
    if (!t.key) return googleError('INVALID_ARGUMENT', `Node pool "${pool.name}": taint key must be set`);
    if (!['NO_SCHEDULE', 'PREFER_NO_SCHEDULE', 'NO_EXECUTE'].includes(String(t.effect)))
      return googleError('INVALID_ARGUMENT', `Node pool "${pool.name}": invalid taint effect ${String(t.effect)}`);
  }
  for (const [k, v] of Object.entries(pool.config?.labels ?? {})) {
    if (typeof v !== 'string')
      return googleError('INVALID_ARGUMENT', `Node pool "${pool.name}": label ${k} must be a string`);
  }
  return undefined;
}

export const gkeHandlers: Record<string, Handler> = {
  'clusterManager:getServerConfig': (env) => ({
    defaultClusterVersion: env.config.gkeVersions.regular[1],
    validMasterVersions: [...env.config.gkeVersions.regular, ...env.config.gkeVersions.static],
    channels: [
      {
        channel: 'REGULAR',
        defaultVersion: env.config.gkeVersions.regular[1],
        validVersions: env.config.gkeVersions.regular,
      },
    ],
  }),
  'clusterManager:getCluster': (env, req) => {
    const c = env.data.clusters.get(req.name);
    if (!c) throw notFound(req.name);
    const running = env.now() >= c.readyAt;
    const pools = [...env.data.nodePools.entries()]
      .filter(([k]) => k.startsWith(`${req.name}/nodePools/`))
      .map(([, p]) => p.res);
    return {
      ...c.res,
      status: clusterStatus(env, c),
      currentMasterVersion: masterVersionOf(c),
      ...(running
        ? {
            endpoint: '34.118.0.10',
            masterAuth: {
              clusterCaCertificate: Buffer.from(
                '-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n',
              ).toString('base64'),
            },
          }
        : {}),
      nodePools: pools,
    };
  },
  'clusterManager:listClusters': (env, req) => ({
    clusters: [...env.data.clusters.entries()].filter(([k]) => k.startsWith(`${req.parent}/`)).map(([, c]) => c.res),
  }),
  'clusterManager:createCluster': (env, req) => {
    const name = `${req.parent}/clusters/${req.cluster.name}`;
    if (env.data.clusters.has(name)) throw alreadyExists(name);
    if (!env.data.networks.has(`global/networks/${req.cluster.network}`))
      throw googleError('FAILED_PRECONDITION', `network "${req.cluster.network}" does not exist`);
    // Like GKE: the deprecated Cluster.masterAuthorizedNetworksConfig and its successor
    // controlPlaneEndpointsConfig.ipEndpointsConfig.authorizedNetworksConfig are exclusive.
    if (
      req.cluster.masterAuthorizedNetworksConfig &&
      req.cluster.controlPlaneEndpointsConfig?.ipEndpointsConfig?.authorizedNetworksConfig
    ) {
      throw googleError(
        'INVALID_ARGUMENT',
        'It is invalid to specify both Cluster.masterAuthorizedNetworksConfig and ControlPlaneEndpointsConfig.IPEndpointsConfig.authorizedNetworksConfig',
      );
    }
    const readyAt = env.now() + env.config.latencies.gkeCluster;
    const { nodePools = [], ...cluster } = req.cluster;
    for (const p of nodePools) {
      const refused = poolConfigRefusal(p);
      if (refused) throw refused;
    }
    env.data.clusters.set(name, { res: cluster, readyAt, busyUntil: readyAt });
    for (const p of nodePools)
      env.data.nodePools.set(`${name}/nodePools/${p.name}`, { res: { ...p, status: 'PROVISIONING' }, readyAt });
    return gkeOp(env, 'CREATE_CLUSTER', name, readyAt);
  },
  'clusterManager:deleteCluster': (env, req) => {
    const c = env.data.clusters.get(req.name);
    if (!c) throw notFound(req.name);
    busy(env, req.name);
    c.goneAt ??= env.now() + env.config.latencies.gkeClusterDelete;
    c.busyUntil = c.goneAt;
    return gkeOp(env, 'DELETE_CLUSTER', req.name, c.goneAt);
  },
  'clusterManager:getNodePool': (env, req) => {
    const p = env.data.nodePools.get(req.name);
    if (!p) throw notFound(req.name);
    return { ...p.res, status: poolStatus(env, req.name, p), version: poolVersionOf(env, req.name) };
  },
  'clusterManager:listNodePools': (env, req) => ({
    nodePools: [...env.data.nodePools.entries()]
      .filter(([k]) => k.startsWith(`${req.parent}/nodePools/`))
      .map(([, p]) => p.res),
  }),
  'clusterManager:createNodePool': (env, req) => {
    if (!env.data.clusters.has(req.parent)) throw notFound(req.parent);
    busy(env, req.parent);
    const name = `${req.parent}/nodePools/${req.nodePool.name}`;
    if (env.data.nodePools.has(name)) throw alreadyExists(name);
    const refused = poolConfigRefusal(req.nodePool);
    if (refused) throw refused;
    const readyAt = env.now() + env.config.latencies.gkeNodePool;
    env.data.nodePools.set(name, { res: { ...req.nodePool, status: 'PROVISIONING' }, readyAt });
    env.data.clusters.get(req.parent)!.busyUntil = readyAt;
    return gkeOp(env, 'CREATE_NODE_POOL', name, readyAt);
  },
  'clusterManager:deleteNodePool': (env, req) => {
    const p = env.data.nodePools.get(req.name);
    if (!p) throw notFound(req.name);
    const cluster = req.name.replace(/\/nodePools\/[^/]+$/, '');
    busy(env, cluster);
    p.goneAt ??= env.now() + env.config.latencies.gkeNodePoolDelete;
    env.data.clusters.get(cluster)!.busyUntil = p.goneAt;
    return gkeOp(env, 'DELETE_NODE_POOL', req.name, p.goneAt);
  },
  'clusterManager:setNodePoolSize': (env, req) => {
    const p = env.data.nodePools.get(req.name);
    if (!p) throw notFound(req.name);
    // Like GKE: nodeCount (required, ≥ 0) is the count of each of the pool's zones.
    if (typeof req.nodeCount !== 'number' || req.nodeCount < 0)
      throw googleError('INVALID_ARGUMENT', 'node_count must be set and non-negative');
    const cluster = req.name.replace(/\/nodePools\/[^/]+$/, '');
    busy(env, cluster);
    p.res = { ...p.res, initialNodeCount: req.nodeCount };
    // The resize is an operation on the cluster like any other: others wait (FAILED_PRECONDITION).
    const doneAt = env.now() + env.config.latencies.gkeNodePool / 2;
    env.data.clusters.get(cluster)!.busyUntil = doneAt;
    return gkeOp(env, 'SET_NODE_POOL_SIZE', req.name, doneAt);
  },
  ...gkeDay2Handlers(busy),
};
