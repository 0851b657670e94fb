/**
 * FakeGcp's GKE day-2 updates (google.container.v1 ClusterManager): clusters.update (here: the
 * authorized networks of the control plane endpoint) and clusters.updateMaster (nodePools.update, the
 * node version with labels and taints, is in fake-gke-day2.ts). Each needs the cluster idle (else FAILED_PRECONDITION, as GKE answers while another
 * operation runs) and leaves the cluster or pool RECONCILING for a while. What GKE refuses: a master
 * version it does not offer, a master upgrade of more than one minor or a downgrade, a node version
 * newer than the master, an UpdateNodePoolRequest without its required image_type, a bad CIDR block,
 * both authorized-networks fields at once.
 */
import type { GkeCluster } from '../../../src/cloud/gcp/sdk.js';
import type { Env, Handler } from './env.js';
import { googleError, notFound } from './errors.js';
import type { Timed } from './model.js';

const gkeOp = (type: string, target: string, n: number) => ({
  name: `operation-${n}`,
  operationType: type,
  status: 'RUNNING',
  targetLink: target,
});

export const minor = (v: string | null | undefined) => Number(String(v ?? '').split('.')[1] ?? NaN);

export function clusterStatus(env: Env, c: Timed<GkeCluster>): string {
  if (c.goneAt) return 'STOPPING';
  if (env.now() < c.readyAt) return 'PROVISIONING';
  return env.now() < (c.reconcilingUntil ?? 0) ? 'RECONCILING' : 'RUNNING';
}

/** GKE reports the master's version; until an upgrade, the one the cluster was created at. */
export const masterVersionOf = (c: Timed<GkeCluster>) =>
  c.res.currentMasterVersion ?? c.res.initialClusterVersion ?? undefined;

/**
 * A pool runs the version it was given (at create or by an upgrade), else the cluster's initial one:
 * a pool made inline with the cluster starts at the master's version then.
 */
export function poolVersionOf(env: Env, path: string): string | undefined {
  const p = env.data.nodePools.get(path);
  const c = env.data.clusters.get(path.replace(/\/nodePools\/[^/]+$/, ''));
  return p?.res.version ?? c?.res.initialClusterVersion ?? undefined;
}

function idleCluster(env: Env, name: string): Timed<GkeCluster> & { busyUntil: number } {
  const c = env.data.clusters.get(name);
  if (!c) throw notFound(name);
  const until = Math.max(c.busyUntil, c.reconcilingUntil ?? 0);
  if (env.now() < until)
    throw googleError('FAILED_PRECONDITION', `Cluster is running incompatible operation operation-${until}.`);
  return c;
}

function reconcile(env: Env, c: Timed<GkeCluster> & { busyUntil: number }, ms: number): void {
  c.reconcilingUntil = env.now() + ms;
  c.busyUntil = c.reconcilingUntil;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

export const gkeUpdateHandlers: Record<string, Handler> = {
  'clusterManager:updateCluster': (env, req) => {
    const c = idleCluster(env, req.name);
    const u = req.update ?? {};
    const successor = u.desiredControlPlaneEndpointsConfig?.ipEndpointsConfig?.authorizedNetworksConfig;
    if (u.desiredMasterAuthorizedNetworksConfig && successor)
      throw googleError(
        'INVALID_ARGUMENT',
        'It is invalid to specify both desired_master_authorized_networks_config and desired_control_plane_endpoints_config.ip_endpoints_config.authorized_networks_config',
      );
    const cfg = successor ?? u.desiredMasterAuthorizedNetworksConfig;
    if (!cfg) throw googleError('INVALID_ARGUMENT', 'FakeGcp implements only the authorized networks update');
    for (const b of cfg.cidrBlocks ?? []) {
      const m = CIDR.exec(String(b.cidrBlock));
      if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32)
        throw googleError(
          'INVALID_ARGUMENT',
          `Invalid master authorized networks: invalid CIDR block "${b.cidrBlock}".`,
        );
    }
    const ip = c.res.controlPlaneEndpointsConfig?.ipEndpointsConfig ?? {};
    c.res = {
      ...c.res,
      controlPlaneEndpointsConfig: {
        ...c.res.controlPlaneEndpointsConfig,
        ipEndpointsConfig: { ...ip, authorizedNetworksConfig: { ...cfg } },
      },
    };
    reconcile(env, c, env.config.latencies.gkeNodePool / 3);
    return gkeOp('UPDATE_CLUSTER', req.name, env.data.seq++);
  },
  'clusterManager:updateMaster': (env, req) => {
    const c = idleCluster(env, req.name);
    const want = String(req.masterVersion ?? '');
    const offered = [...env.config.gkeVersions.regular, ...env.config.gkeVersions.static];
    if (!offered.includes(want)) throw googleError('INVALID_ARGUMENT', `Master version "${want}" is unsupported.`);
    const have = masterVersionOf(c);
    if (minor(want) < minor(have) || minor(want) > minor(have) + 1)
      throw googleError(
        'INVALID_ARGUMENT',
        `Master cannot be upgraded from "${have}" to "${want}": upgrade one minor version at a time, never down.`,
      );
    c.res = { ...c.res, currentMasterVersion: want };
    reconcile(env, c, env.config.latencies.gkeCluster);
    return gkeOp('UPGRADE_MASTER', req.name, env.data.seq++);
  },
};
