/**
 * The GKE cluster: created once with all node pools inline (one call), in the ksctl network, with
 * the API endpoint limited to the operator's CIDRs; waited on with a bound; deleted after its pools.
 * GKE has no request ids: the deterministic name plus get-before-create (and ALREADY_EXISTS treated
 * as "made by an earlier run") give idempotency.
 */
import { ConflictError, ProviderError } from '../../../errors.js';
import { ensureRecorded, forget } from '../../common/record.js';
import type { GcpCtx } from '../context.js';
import { isAlreadyExists, isBusy, isNotFound } from '../errors.js';
import { clusterLabel, LABEL_CLUSTER, labelsFor, networkName, subnetName } from '../naming.js';
import { getOrUndefined } from '../operations.js';
import type { GkeCluster, GkeNodePool } from '../sdk.js';
import type { GkeVersion } from './version.js';

export const CLUSTER_KEY = 'gke-cluster';
const CREATE_TIMEOUT_MS = 40 * 60_000;
const DELETE_TIMEOUT_MS = 30 * 60_000;

export const locationPath = (cloud: GcpCtx) => `projects/${cloud.project}/locations/${cloud.spec.region}`;
export const clusterPath = (cloud: GcpCtx) => `${locationPath(cloud)}/clusters/${cloud.spec.name}`;

export const isOurs = (cloud: GcpCtx, c: GkeCluster) => c.resourceLabels?.[LABEL_CLUSTER] === clusterLabel(cloud.spec);

export function describeGke(cloud: GcpCtx): Promise<GkeCluster | undefined> {
  return getOrUndefined(() => cloud.api.gke.getCluster(clusterPath(cloud)));
}

/** Retries a GKE mutation while another operation on the cluster runs (FAILED_PRECONDITION). */
export async function whenIdle(
  cloud: GcpCtx,
  what: string,
  call: () => Promise<unknown>,
): Promise<'ok' | 'exists' | 'gone'> {
  return cloud.wait(
    `${what} (another operation is running)`,
    async () => {
      try {
        await call();
        return 'ok' as const;
      } catch (e) {
        if (isAlreadyExists(e)) return 'exists' as const;
        if (isNotFound(e)) return 'gone' as const;
        if (isBusy(e)) return undefined;
        throw e;
      }
    },
    { timeoutMs: CREATE_TIMEOUT_MS, initialIntervalMs: 5000, maxIntervalMs: 30_000 },
  );
}

export function clusterResource(cloud: GcpCtx, version: GkeVersion, cidrs: string[], pools: GkeNodePool[]): GkeCluster {
  return {
    name: cloud.spec.name,
    description: `ksctl cluster ${cloud.key}`,
    resourceLabels: labelsFor(cloud.spec, CLUSTER_KEY, 'cluster'),
    initialClusterVersion: version.version,
    ...(version.channel ? { releaseChannel: { channel: version.channel } } : {}),
    network: networkName(cloud.spec),
    subnetwork: subnetName(cloud.spec),
    ipAllocationPolicy: { useIpAliases: true },
    // The successor of the deprecated masterAuthorizedNetworksConfig (google.container.v1, Cluster
    // field 22); setting both is invalid.
    controlPlaneEndpointsConfig: {
      ipEndpointsConfig: {
        enabled: true,
        enablePublicEndpoint: true,
        authorizedNetworksConfig: {
          enabled: true,
          cidrBlocks: cidrs.map((cidrBlock) => ({ cidrBlock, displayName: 'ksctl operator' })),
        },
      },
    },
    masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
    legacyAbac: { enabled: false },
    workloadIdentityConfig: { workloadPool: `${cloud.project}.svc.id.goog` },
    nodePools: pools,
  };
}

async function waitRunning(cloud: GcpCtx): Promise<GkeCluster> {
  return cloud.wait(
    `GKE cluster ${cloud.spec.name} to run`,
    async () => {
      const c = await describeGke(cloud);
      if (c?.status === 'ERROR' || c?.status === 'DEGRADED')
        throw new ProviderError(`GKE cluster ${cloud.spec.name} is ${c.status}: ${c.statusMessage ?? ''}`);
      return c?.status === 'RUNNING' && c.endpoint ? c : undefined;
    },
    { timeoutMs: CREATE_TIMEOUT_MS, initialIntervalMs: 10_000, maxIntervalMs: 30_000 },
  );
}

export async function ensureGkeCluster(cloud: GcpCtx, resource: () => GkeCluster): Promise<GkeCluster> {
  let c = await describeGke(cloud);
  if (c && !isOurs(cloud, c)) {
    throw new ConflictError(
      `a GKE cluster named ${cloud.spec.name} exists in ${cloud.spec.region} and was not created by ksctl`,
      { hint: 'choose another name' },
    );
  }
  if (c?.status === 'STOPPING')
    throw new ProviderError(`GKE cluster ${cloud.spec.name} is being deleted`, {
      hint: 'wait for the delete to finish, then re-run',
    });
  if (!c) {
    cloud.log.info(`creating GKE cluster ${cloud.spec.name}`);
    await whenIdle(cloud, `create GKE cluster ${cloud.spec.name}`, () =>
      cloud.api.gke.createCluster(locationPath(cloud), resource()),
    );
  }
  await ensureRecorded(cloud.ctx, CLUSTER_KEY, {
    kind: 'gcp:gke-cluster',
    id: clusterPath(cloud),
    name: cloud.spec.name,
  });
  c = c?.status === 'RUNNING' && c.endpoint ? c : await waitRunning(cloud);
  await ensureRecorded(cloud.ctx, CLUSTER_KEY, {
    kind: 'gcp:gke-cluster',
    id: clusterPath(cloud),
    name: cloud.spec.name,
    status: 'running',
    data: { endpoint: String(c.endpoint) },
  });
  return c;
}

/** Deletes the cluster (if ours) and waits until it is gone. */
export async function deleteGkeCluster(cloud: GcpCtx): Promise<void> {
  const c = await describeGke(cloud);
  if (c && isOurs(cloud, c)) {
    if (c.status !== 'STOPPING') {
      cloud.log.info(`deleting GKE cluster ${cloud.spec.name}`);
      await whenIdle(cloud, `delete GKE cluster ${cloud.spec.name}`, () =>
        cloud.api.gke.deleteCluster(clusterPath(cloud)),
      );
    }
    await cloud.wait(
      `GKE cluster ${cloud.spec.name} to be deleted`,
      async () => ((await describeGke(cloud)) ? undefined : true),
      {
        timeoutMs: DELETE_TIMEOUT_MS,
        initialIntervalMs: 10_000,
        maxIntervalMs: 30_000,
      },
    );
  }
  await forget(cloud.ctx, CLUSTER_KEY);
}
