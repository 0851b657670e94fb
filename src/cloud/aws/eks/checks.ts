/** EKS-only preflight checks: the Kubernetes version is one EKS offers, the name is free or ours. */
import { byVersion, isPatchVersion, minorOf } from '../../../api/catalog.js';
import { ConflictError, InputError } from '../../../errors.js';
import type { AwsCtx } from '../context.js';
import { describeEks, isOurs } from './cluster.js';

const SUPPORTED = new Set(['STANDARD_SUPPORT', 'EXTENDED_SUPPORT']);

/**
 * The EKS version to create, from DescribeClusterVersions: the spec's minor when EKS offers it, EKS's
 * default (`defaultVersion`) when the spec has none. EKS picks the patch itself, so a patch is refused.
 */
export async function resolveEksVersion(cloud: AwsCtx): Promise<string> {
  const versions: string[] = [];
  let fallback: string | undefined;
  let nextToken: string | undefined;
  do {
    const page = await cloud.aws.eks.describeClusterVersions({ ...(nextToken ? { nextToken } : {}) });
    for (const v of page.clusterVersions ?? []) {
      const status = v.versionStatus ?? v.status ?? 'STANDARD_SUPPORT';
      if (!v.clusterVersion || !SUPPORTED.has(String(status))) continue;
      versions.push(v.clusterVersion);
      if (v.defaultVersion) fallback = v.clusterVersion;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  const offered = versions.sort(byVersion).reverse();
  const want = cloud.spec.kubernetesVersion;
  const field = ['spec.kubernetesVersion'];
  if (want === undefined) {
    const chosen = fallback ?? offered[0];
    if (!chosen) throw new InputError(`EKS in ${cloud.spec.region} offers no Kubernetes version`, field);
    return chosen;
  }
  if (isPatchVersion(want)) {
    throw new InputError(`EKS chooses the patch release itself: ask for ${minorOf(want)}, not ${want}`, field, {
      hint: `available: ${offered.join(', ')}`,
    });
  }
  const minor = minorOf(want);
  if (!offered.includes(minor)) {
    throw new InputError(`EKS in ${cloud.spec.region} does not offer Kubernetes ${minor}`, field, {
      hint: `available: ${offered.join(', ')}`,
    });
  }
  return minor;
}

export async function checkEksName(cloud: AwsCtx): Promise<void> {
  const c = await describeEks(cloud);
  if (c && !isOurs(cloud, c)) {
    throw new ConflictError(
      `an EKS cluster named ${cloud.spec.name} already exists in ${cloud.spec.region} and was not created by ksctl`,
      {
        hint: 'choose another name',
      },
    );
  }
}
