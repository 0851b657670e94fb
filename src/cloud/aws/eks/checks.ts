/** EKS-only preflight checks: the Kubernetes version is one EKS offers, the name is free or ours. */
import { minorOf } from '../../../api/catalog.js';
import { ConflictError, InputError } from '../../../errors.js';
import type { AwsCtx } from '../context.js';
import { describeEks, isOurs } from './cluster.js';

const SUPPORTED = new Set(['STANDARD_SUPPORT', 'EXTENDED_SUPPORT']);

export async function checkEksVersion(a: AwsCtx): Promise<void> {
  const versions: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await a.aws.eks.describeClusterVersions({ ...(nextToken ? { nextToken } : {}) });
    for (const v of page.clusterVersions ?? []) {
      const status = v.versionStatus ?? v.status ?? 'STANDARD_SUPPORT';
      if (v.clusterVersion && SUPPORTED.has(String(status))) versions.push(v.clusterVersion);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  const want = minorOf(a.spec.kubernetesVersion);
  if (!versions.includes(want)) {
    throw new InputError(`EKS in ${a.spec.region} does not offer Kubernetes ${want}`, ['spec.kubernetesVersion'], {
      hint: `available: ${versions.sort().reverse().join(', ')}`,
    });
  }
}

export async function checkEksName(a: AwsCtx): Promise<void> {
  const c = await describeEks(a);
  if (c && !isOurs(a, c)) {
    throw new ConflictError(`an EKS cluster named ${a.spec.name} already exists in ${a.spec.region} and was not created by ksctl`, {
      hint: 'choose another name',
    });
  }
}
