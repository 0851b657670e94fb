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

export const locationPath = (g: GcpCtx) => `projects/${g.project}/locations/${g.spec.region}`;
export const clusterPath = (g: GcpCtx) => `${locationPath(g)}/clusters/${g.spec.name}`;

export const isOurs = (g: GcpCtx, c: GkeCluster) => c.resourceLabels?.[LABEL_CLUSTER] === clusterLabel(g.spec);

export function describeGke(g: GcpCtx): Promise<GkeCluster | undefined> {
  return getOrUndefined(() => g.api.gke.getCluster(clusterPath(g)));
}

/** Retries a GKE mutation while another operation on the cluster runs (FAILED_PRECONDITION). */
export async function whenIdle(g: GcpCtx, what: string, call: () => Promise<unknown>): Promise<'ok' | 'exists' | 'gone'> {
  return g.wait(
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

export function clusterResource(g: GcpCtx, version: GkeVersion, cidrs: string[], pools: GkeNodePool[]): GkeCluster {
  return {
    name: g.spec.name,
    description: `ksctl cluster ${g.key}`,
    resourceLabels: labelsFor(g.spec, CLUSTER_KEY, 'cluster'),
    initialClusterVersion: version.version,
    ...(version.channel ? { releaseChannel: { channel: version.channel } } : {}),
    network: networkName(g.spec),
    subnetwork: subnetName(g.spec),
    ipAllocationPolicy: { useIpAliases: true },
    // The successor of the deprecated masterAuthorizedNetworksConfig (google.container.v1, Cluster
    // field 22); setting both is invalid.
    controlPlaneEndpointsConfig: {
      ipEndpointsConfig: {
        enabled: true,
        enablePublicEndpoint: true,
        authorizedNetworksConfig: { enabled: true, cidrBlocks: cidrs.map((cidrBlock) => ({ cidrBlock, displayName: 'ksctl operator' })) },
      },
    },
    masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
    legacyAbac: { enabled: false },
    workloadIdentityConfig: { workloadPool: `${g.project}.svc.id.goog` },
    nodePools: pools,
  };
}

async function waitRunning(g: GcpCtx): Promise<GkeCluster> {
  return g.wait(
    `GKE cluster ${g.spec.name} to run`,
    async () => {
      const c = await describeGke(g);
      if (c?.status === 'ERROR' || c?.status === 'DEGRADED') throw new ProviderError(`GKE cluster ${g.spec.name} is ${c.status}: ${c.statusMessage ?? ''}`);
      return c?.status === 'RUNNING' && c.endpoint ? c : undefined;
    },
    { timeoutMs: CREATE_TIMEOUT_MS, initialIntervalMs: 10_000, maxIntervalMs: 30_000 },
  );
}

export async function ensureGkeCluster(g: GcpCtx, resource: () => GkeCluster): Promise<GkeCluster> {
  let c = await describeGke(g);
  if (c && !isOurs(g, c)) {
    throw new ConflictError(`a GKE cluster named ${g.spec.name} exists in ${g.spec.region} and was not created by ksctl`, { hint: 'choose another name' });
  }
  if (c?.status === 'STOPPING') throw new ProviderError(`GKE cluster ${g.spec.name} is being deleted`, { hint: 'wait for the delete to finish, then re-run' });
  if (!c) {
    g.log.info(`creating GKE cluster ${g.spec.name}`);
    await whenIdle(g, `create GKE cluster ${g.spec.name}`, () => g.api.gke.createCluster(locationPath(g), resource()));
  }
  await ensureRecorded(g.ctx, CLUSTER_KEY, { kind: 'gcp:gke-cluster', id: clusterPath(g), name: g.spec.name });
  c = c?.status === 'RUNNING' && c.endpoint ? c : await waitRunning(g);
  await ensureRecorded(g.ctx, CLUSTER_KEY, { kind: 'gcp:gke-cluster', id: clusterPath(g), name: g.spec.name, status: 'running', data: { endpoint: String(c.endpoint) } });
  return c;
}

/** Deletes the cluster (if ours) and waits until it is gone. */
export async function deleteGkeCluster(g: GcpCtx): Promise<void> {
  const c = await describeGke(g);
  if (c && isOurs(g, c)) {
    if (c.status !== 'STOPPING') {
      g.log.info(`deleting GKE cluster ${g.spec.name}`);
      await whenIdle(g, `delete GKE cluster ${g.spec.name}`, () => g.api.gke.deleteCluster(clusterPath(g)));
    }
    await g.wait(`GKE cluster ${g.spec.name} to be deleted`, async () => ((await describeGke(g)) ? undefined : true), {
      timeoutMs: DELETE_TIMEOUT_MS,
      initialIntervalMs: 10_000,
      maxIntervalMs: 30_000,
    });
  }
  await forget(g.ctx, CLUSTER_KEY);
}
