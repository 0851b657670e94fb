/**
 * The EKS control plane: created once (found by name, checked to be ours by tag, idempotent through
 * clientRequestToken), then waited on until ACTIVE with a progress line each minute.
 */
import { minorOf } from '../../../api/catalog.js';
import { ConflictError, ProviderError } from '../../../errors.js';
import type { AwsCtx } from '../context.js';
import { hasCode, isNotFound } from '../errors.js';
import { recordedNetwork } from '../network.js';
import { incarnationOf } from '../../common/incarnation.js';
import { clusterKey, eksRequestToken, TAG_CLUSTER, tagMap, tagsFor } from '../naming.js';
import { ensureRecorded, forget, recorded } from '../../common/record.js';
import { roleKey } from './roles.js';
import type * as EKS from '@aws-sdk/client-eks';

export const CLUSTER_KEY = 'eks/cluster';
const CREATE_TIMEOUT_MS = 40 * 60_000;
const DELETE_TIMEOUT_MS = 30 * 60_000;
/** A new IAM role takes a few seconds to become assumable by EKS. */
const ROLE_PROPAGATION_MS = 2 * 60_000;

export async function describeEks(cloud: AwsCtx): Promise<EKS.Cluster | undefined> {
  try {
    return (await cloud.aws.eks.describeCluster({ name: cloud.spec.name })).cluster;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export const isOurs = (cloud: AwsCtx, c: EKS.Cluster) => c.tags?.[TAG_CLUSTER] === clusterKey(cloud.spec);

async function waitGone(cloud: AwsCtx): Promise<void> {
  await cloud.wait(
    `EKS cluster ${cloud.spec.name} to be deleted`,
    async () => ((await describeEks(cloud)) ? undefined : true),
    {
      timeoutMs: DELETE_TIMEOUT_MS,
      initialIntervalMs: 15000,
      maxIntervalMs: 30000,
    },
  );
}

async function create(cloud: AwsCtx, publicCidrs: string[]): Promise<EKS.Cluster> {
  const roleArn = recorded(cloud.ctx, roleKey('cluster'))?.id;
  if (!roleArn) throw new ProviderError('no cluster role in state: eks/iam-cluster-role must run first');
  const { subnets } = recordedNetwork(cloud);
  const input: EKS.CreateClusterCommandInput = {
    name: cloud.spec.name,
    // Resolved before the first state write (the spec's minor or EKS's default): see ManagedCloud.
    ...(cloud.spec.kubernetesVersion ? { version: minorOf(cloud.spec.kubernetesVersion) } : {}),
    roleArn,
    resourcesVpcConfig: {
      subnetIds: subnets.map((s) => s.id),
      endpointPublicAccess: true,
      endpointPrivateAccess: true,
      publicAccessCidrs: publicCidrs,
    },
    accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP', bootstrapClusterCreatorAdminPermissions: true },
    tags: tagMap(tagsFor(cloud.spec, CLUSTER_KEY, 'eks-cluster', cloud.spec.name)),
  };
  input.clientRequestToken = eksRequestToken(cloud.spec, incarnationOf(cloud.ctx), 'cluster', input);
  cloud.log.info(`creating EKS cluster ${cloud.spec.name} (Kubernetes ${input.version})`);
  return cloud.wait(
    `IAM role ${roleArn} to be usable by EKS`,
    async () => {
      try {
        return (await cloud.aws.eks.createCluster(input)).cluster;
      } catch (e) {
        if (hasCode(e, 'InvalidParameterException') && /role/i.test(String((e as Error).message))) return undefined;
        if (hasCode(e, 'ResourceInUseException')) return describeEks(cloud);
        throw e;
      }
    },
    { timeoutMs: ROLE_PROPAGATION_MS, initialIntervalMs: 5000, maxIntervalMs: 10000 },
  );
}

/** Ensures the cluster exists and is ACTIVE; returns it. */
export async function ensureEksCluster(cloud: AwsCtx, publicCidrs: string[]): Promise<EKS.Cluster> {
  let c = await describeEks(cloud);
  if (c && !isOurs(cloud, c)) {
    throw new ConflictError(
      `EKS cluster ${cloud.spec.name} exists in ${cloud.spec.region} but was not created by ksctl`,
    );
  }
  if (c?.status === 'DELETING') {
    cloud.log.info(`EKS cluster ${cloud.spec.name} is being deleted; waiting before creating it again`);
    await waitGone(cloud);
    c = undefined;
  }
  c ??= await create(cloud, publicCidrs);
  if (!c?.arn) throw new ProviderError('CreateCluster returned no cluster');
  await ensureRecorded(cloud.ctx, CLUSTER_KEY, { kind: 'aws:eks-cluster', id: c.arn, name: cloud.spec.name });
  const active = await cloud.wait(
    `EKS cluster ${cloud.spec.name} to become ACTIVE`,
    async () => {
      const now = await describeEks(cloud);
      if (!now) return undefined;
      if (now.status === 'FAILED' || now.status === 'DELETING') {
        throw new ProviderError(`EKS cluster ${cloud.spec.name} is ${now.status}`, {
          hint: 'run delete, then create again',
        });
      }
      return now.status === 'ACTIVE' ? now : undefined;
    },
    { timeoutMs: CREATE_TIMEOUT_MS, initialIntervalMs: 15000, maxIntervalMs: 30000 },
  );
  await ensureRecorded(cloud.ctx, CLUSTER_KEY, {
    kind: 'aws:eks-cluster',
    id: c.arn,
    name: cloud.spec.name,
    status: 'ACTIVE',
    data: { version: active.version ?? '', endpoint: active.endpoint ?? '' },
  });
  return active;
}

export async function deleteEksCluster(cloud: AwsCtx): Promise<void> {
  const c = await describeEks(cloud);
  if (c && isOurs(cloud, c)) {
    if (c.status !== 'DELETING') {
      cloud.log.info(`deleting EKS cluster ${cloud.spec.name}`);
      try {
        await cloud.aws.eks.deleteCluster({ name: cloud.spec.name });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    await waitGone(cloud);
  }
  await forget(cloud.ctx, CLUSTER_KEY);
}
