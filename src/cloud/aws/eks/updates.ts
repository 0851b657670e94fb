/**
 * EKS day-2 updates (UpdateClusterConfig, UpdateClusterVersion, UpdateNodegroupVersion) return an
 * `Update` that runs for minutes; DescribeUpdate reports it InProgress → Successful | Failed |
 * Cancelled (botocore eks 2017-11-01 UpdateStatus). EKS refuses a second update while one runs
 * (ResourceInUseException), so each change first waits for the cluster or node group to be ACTIVE:
 * an update an earlier, interrupted run started finishes before ours is compared and sent.
 */
import { ProviderError } from '../../../errors.js';
import type { AwsCtx } from '../context.js';
import { describeEks } from './cluster.js';
import type * as EKS from '@aws-sdk/client-eks';

/** A control-plane version update takes up to ~40 minutes; a node group's rolls every node. */
export const CLUSTER_UPDATE_TIMEOUT_MS = 60 * 60_000;
export const NODEGROUP_UPDATE_TIMEOUT_MS = 3 * 60 * 60_000;

/** The cluster once ACTIVE (an update in progress finished), or an error naming its state. */
export async function activeCluster(cloud: AwsCtx): Promise<EKS.Cluster> {
  return cloud.wait(
    `EKS cluster ${cloud.spec.name} to be ACTIVE`,
    async () => {
      const c = await describeEks(cloud);
      if (!c) throw new ProviderError(`EKS cluster ${cloud.spec.name} does not exist in ${cloud.spec.region}`);
      if (c.status === 'FAILED' || c.status === 'DELETING')
        throw new ProviderError(`EKS cluster ${cloud.spec.name} is ${c.status}`);
      return c.status === 'ACTIVE' ? c : undefined;
    },
    { timeoutMs: CLUSTER_UPDATE_TIMEOUT_MS, initialIntervalMs: 15000, maxIntervalMs: 30000 },
  );
}

/** The node group once no update or create runs on it, or an error naming a state it cannot leave. */
export async function activeNodegroup(cloud: AwsCtx, nodegroupName: string): Promise<EKS.Nodegroup> {
  return cloud.wait(
    `node group ${nodegroupName} to be ACTIVE`,
    async () => {
      const ng = (await cloud.aws.eks.describeNodegroup({ clusterName: cloud.spec.name, nodegroupName })).nodegroup;
      if (!ng) throw new ProviderError(`node group ${nodegroupName} of ${cloud.spec.name} does not exist`);
      if (ng.status === 'UPDATING' || ng.status === 'CREATING') return undefined;
      // DEGRADED still runs its nodes (a health issue EKS reports); updating it is allowed.
      if (ng.status !== 'ACTIVE' && ng.status !== 'DEGRADED')
        throw new ProviderError(`node group ${nodegroupName} is ${ng.status}`);
      return ng;
    },
    { timeoutMs: NODEGROUP_UPDATE_TIMEOUT_MS, initialIntervalMs: 15000, maxIntervalMs: 60000 },
  );
}

/** Waits for `update` to succeed; Failed or Cancelled is an error carrying EKS's own reasons. */
export async function waitUpdate(
  cloud: AwsCtx,
  update: EKS.Update | undefined,
  what: string,
  opts: { nodegroupName?: string; timeoutMs: number },
): Promise<void> {
  if (!update?.id) throw new ProviderError(`EKS returned no update for ${what}`);
  const updateId = update.id;
  await cloud.wait(
    `EKS update ${updateId} (${what})`,
    async () => {
      const now = (
        await cloud.aws.eks.describeUpdate({
          name: cloud.spec.name,
          updateId,
          ...(opts.nodegroupName ? { nodegroupName: opts.nodegroupName } : {}),
        })
      ).update;
      if (now?.status === 'Successful') return true;
      if (now?.status === 'Failed' || now?.status === 'Cancelled') {
        const why = (now.errors ?? []).map((e) => `${e.errorCode}: ${e.errorMessage}`).join('; ');
        throw new ProviderError(`EKS update ${updateId} (${what}) ${now.status}${why ? `: ${why}` : ''}`);
      }
      return undefined;
    },
    { timeoutMs: opts.timeoutMs, initialIntervalMs: 15000, maxIntervalMs: 30000 },
  );
}
