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

export async function describeEks(a: AwsCtx): Promise<EKS.Cluster | undefined> {
  try {
    return (await a.aws.eks.describeCluster({ name: a.spec.name })).cluster;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export const isOurs = (a: AwsCtx, c: EKS.Cluster) => c.tags?.[TAG_CLUSTER] === clusterKey(a.spec);

async function waitGone(a: AwsCtx): Promise<void> {
  await a.wait(`EKS cluster ${a.spec.name} to be deleted`, async () => ((await describeEks(a)) ? undefined : true), {
    timeoutMs: DELETE_TIMEOUT_MS,
    initialIntervalMs: 15000,
    maxIntervalMs: 30000,
  });
}

async function create(a: AwsCtx, publicCidrs: string[]): Promise<EKS.Cluster> {
  const roleArn = recorded(a.ctx, roleKey('cluster'))?.id;
  if (!roleArn) throw new ProviderError('no cluster role in state: eks/iam-cluster-role must run first');
  const { subnets } = recordedNetwork(a);
  const input: EKS.CreateClusterCommandInput = {
    name: a.spec.name,
    // Resolved before the first state write (the spec's minor or EKS's default): see ManagedCloud.
    ...(a.spec.kubernetesVersion ? { version: minorOf(a.spec.kubernetesVersion) } : {}),
    roleArn,
    resourcesVpcConfig: {
      subnetIds: subnets.map((s) => s.id),
      endpointPublicAccess: true,
      endpointPrivateAccess: true,
      publicAccessCidrs: publicCidrs,
    },
    accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP', bootstrapClusterCreatorAdminPermissions: true },
    tags: tagMap(tagsFor(a.spec, CLUSTER_KEY, 'eks-cluster', a.spec.name)),
  };
  input.clientRequestToken = eksRequestToken(a.spec, incarnationOf(a.ctx), 'cluster', input);
  a.log.info(`creating EKS cluster ${a.spec.name} (Kubernetes ${input.version})`);
  return a.wait(
    `IAM role ${roleArn} to be usable by EKS`,
    async () => {
      try {
        return (await a.aws.eks.createCluster(input)).cluster;
      } catch (e) {
        if (hasCode(e, 'InvalidParameterException') && /role/i.test(String((e as Error).message))) return undefined;
        if (hasCode(e, 'ResourceInUseException')) return describeEks(a);
        throw e;
      }
    },
    { timeoutMs: ROLE_PROPAGATION_MS, initialIntervalMs: 5000, maxIntervalMs: 10000 },
  );
}

/** Ensures the cluster exists and is ACTIVE; returns it. */
export async function ensureEksCluster(a: AwsCtx, publicCidrs: string[]): Promise<EKS.Cluster> {
  let c = await describeEks(a);
  if (c && !isOurs(a, c)) {
    throw new ConflictError(`EKS cluster ${a.spec.name} exists in ${a.spec.region} but was not created by ksctl`);
  }
  if (c?.status === 'DELETING') {
    a.log.info(`EKS cluster ${a.spec.name} is being deleted; waiting before creating it again`);
    await waitGone(a);
    c = undefined;
  }
  c ??= await create(a, publicCidrs);
  if (!c?.arn) throw new ProviderError('CreateCluster returned no cluster');
  await ensureRecorded(a.ctx, CLUSTER_KEY, { kind: 'aws:eks-cluster', id: c.arn, name: a.spec.name });
  const active = await a.wait(
    `EKS cluster ${a.spec.name} to become ACTIVE`,
    async () => {
      const now = await describeEks(a);
      if (!now) return undefined;
      if (now.status === 'FAILED' || now.status === 'DELETING') {
        throw new ProviderError(`EKS cluster ${a.spec.name} is ${now.status}`, { hint: 'run delete, then create again' });
      }
      return now.status === 'ACTIVE' ? now : undefined;
    },
    { timeoutMs: CREATE_TIMEOUT_MS, initialIntervalMs: 15000, maxIntervalMs: 30000 },
  );
  await ensureRecorded(a.ctx, CLUSTER_KEY, {
    kind: 'aws:eks-cluster',
    id: c.arn,
    name: a.spec.name,
    status: 'ACTIVE',
    data: { version: active.version ?? '', endpoint: active.endpoint ?? '' },
  });
  return active;
}

export async function deleteEksCluster(a: AwsCtx): Promise<void> {
  const c = await describeEks(a);
  if (c && isOurs(a, c)) {
    if (c.status !== 'DELETING') {
      a.log.info(`deleting EKS cluster ${a.spec.name}`);
      try {
        await a.aws.eks.deleteCluster({ name: a.spec.name });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    await waitGone(a);
  }
  await forget(a.ctx, CLUSTER_KEY);
}
