/**
 * The two IAM roles an EKS cluster needs: one EKS assumes for the control plane, one the nodes
 * assume. Names are deterministic (IAM is global, so they include the region) and carry the
 * cluster tag; a role of that name without our tag is someone else's and is never touched.
 */
import { ConflictError } from '../../../errors.js';
import type { AwsCtx } from '../context.js';
import { hasCode, isNotFound } from '../errors.js';
import { clusterKey, iamRoleName, tagsFor, tagValue, TAG_CLUSTER } from '../naming.js';
import { ensureRecorded, forget, recorded } from '../../common/record.js';
import type * as IAM from '@aws-sdk/client-iam';

export type RolePurpose = 'cluster' | 'node';

const POLICY = (name: string) => `arn:aws:iam::aws:policy/${name}`;

export const ROLE_POLICIES: Record<RolePurpose, string[]> = {
  cluster: [POLICY('AmazonEKSClusterPolicy')],
  node: [
    POLICY('AmazonEKSWorkerNodePolicy'),
    POLICY('AmazonEKS_CNI_Policy'),
    POLICY('AmazonEC2ContainerRegistryReadOnly'),
  ],
};

const PRINCIPAL: Record<RolePurpose, string> = { cluster: 'eks.amazonaws.com', node: 'ec2.amazonaws.com' };

export const roleKey = (purpose: RolePurpose) => `iam/${purpose}-role`;

function trustPolicy(purpose: RolePurpose): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: PRINCIPAL[purpose] }, Action: 'sts:AssumeRole' }],
  });
}

async function getRole(cloud: AwsCtx, name: string): Promise<IAM.Role | undefined> {
  try {
    return (await cloud.aws.iam.getRole({ RoleName: name })).Role;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

async function attachedPolicies(cloud: AwsCtx, name: string): Promise<string[]> {
  const out: string[] = [];
  let Marker: string | undefined;
  do {
    const page = await cloud.aws.iam.listAttachedRolePolicies({ RoleName: name, ...(Marker ? { Marker } : {}) });
    out.push(...(page.AttachedPolicies ?? []).map((p) => p.PolicyArn ?? ''));
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  return out;
}

const ours = (cloud: AwsCtx, role: IAM.Role) => tagValue(role.Tags, TAG_CLUSTER) === clusterKey(cloud.spec);

/** Returns the role's ARN. */
export async function ensureRole(cloud: AwsCtx, purpose: RolePurpose): Promise<string> {
  const name = iamRoleName(cloud.spec, purpose);
  let role = await getRole(cloud, name);
  if (role && !ours(cloud, role)) {
    throw new ConflictError(`IAM role ${name} exists but was not created by ksctl for ${cloud.key}`);
  }
  if (!role) {
    cloud.log.info(`creating IAM role ${name}`);
    try {
      role = (
        await cloud.aws.iam.createRole({
          RoleName: name,
          AssumeRolePolicyDocument: trustPolicy(purpose),
          Description: `ksctl ${cloud.key} ${purpose} role`,
          Tags: tagsFor(cloud.spec, roleKey(purpose), `eks-${purpose}`, name),
        })
      ).Role;
    } catch (e) {
      if (!hasCode(e, 'EntityAlreadyExistsException', 'EntityAlreadyExists')) throw e;
      role = await getRole(cloud, name);
    }
  }
  const arn = role!.Arn!;
  await ensureRecorded(cloud.ctx, roleKey(purpose), { kind: 'aws:iam-role', id: arn, name });
  const have = new Set(await attachedPolicies(cloud, name));
  for (const p of ROLE_POLICIES[purpose]) {
    if (!have.has(p)) await cloud.aws.iam.attachRolePolicy({ RoleName: name, PolicyArn: p });
  }
  return arn;
}

export async function deleteRole(cloud: AwsCtx, purpose: RolePurpose): Promise<void> {
  const name = recorded(cloud.ctx, roleKey(purpose))?.name ?? iamRoleName(cloud.spec, purpose);
  const role = await getRole(cloud, name);
  if (role && ours(cloud, role)) {
    for (const p of await attachedPolicies(cloud, name)) {
      try {
        await cloud.aws.iam.detachRolePolicy({ RoleName: name, PolicyArn: p });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    try {
      await cloud.aws.iam.deleteRole({ RoleName: name });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  await forget(cloud.ctx, roleKey(purpose));
}
