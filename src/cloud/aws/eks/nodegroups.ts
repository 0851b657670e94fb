/**
 * EKS managed node groups: one per spec.nodePools entry (or one `workers` group from spec.workers),
 * SPOT capacity when asked, Amazon Linux 2023 images for the type's architecture.
 */
import type { ClusterSpec, NodePoolSpec, TaintEffect } from '../../../api/types.js';
import { InputError, ProviderError } from '../../../errors.js';
import type { InstanceCatalog } from '../catalog.js';
import type { AwsCtx } from '../context.js';
import { hasCode, isNotFound } from '../errors.js';
import { incarnationOf } from '../../common/incarnation.js';
import { eksRequestToken, tagMap, tagsFor } from '../naming.js';
import { ensureRecorded, forget, recorded, recordedKeys } from '../../common/record.js';
import { poolSubnets } from './pool-zones.js';
import { roleKey } from './roles.js';
import type * as EKS from '@aws-sdk/client-eks';

const CREATE_TIMEOUT_MS = 30 * 60_000;
const DELETE_TIMEOUT_MS = 30 * 60_000;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

export const nodegroupKey = (pool: string) => `eks/nodegroup/${pool}`;

export function nodePools(spec: ClusterSpec): NodePoolSpec[] {
  const pools =
    spec.nodePools.length > 0 ? spec.nodePools : [{ name: 'workers', ...spec.workers, labels: {}, taints: [] }];
  pools.forEach((p, i) => {
    if (!NAME.test(p.name)) {
      throw new InputError(`node pool name "${p.name}" must be letters, digits, - or _ (at most 63)`, [
        `spec.nodePools[${i}].name`,
      ]);
    }
    checkEksLabels(p, `spec.nodePools[${i}]`);
  });
  return pools.map((p) => ({ ...p, labels: { ...p.labels }, taints: [...p.taints] }));
}

/** EKS's narrower rules (botocore eks 2017-11-01: labelKey/taintKey 1-63 characters, labelValue 1-63, taintValue 0-63). */
function checkEksLabels(p: NodePoolSpec, at: string): void {
  for (const [k, v] of Object.entries(p.labels)) {
    if (k.length > EKS_KEY_MAX)
      throw new InputError(
        `${at}.labels: EKS takes label keys of at most ${EKS_KEY_MAX} characters, prefix included; "${k.slice(0, 80)}" has ${k.length}`,
        [`${at}.labels.${k}`],
      );
    if (v === '')
      throw new InputError(`${at}.labels.${k}: EKS refuses empty label values: give it a value`, [`${at}.labels.${k}`]);
  }
  p.taints.forEach((t, j) => {
    if (t.key.length > EKS_KEY_MAX)
      throw new InputError(
        `${at}.taints[${j}]: EKS takes taint keys of at most ${EKS_KEY_MAX} characters, prefix included`,
        [`${at}.taints[${j}]`],
      );
  });
}
const EKS_KEY_MAX = 63;

/** Kubernetes' taint effects as the EKS API spells them. */
export const EKS_TAINT_EFFECT: Record<TaintEffect, EKS.TaintEffect> = {
  NoSchedule: 'NO_SCHEDULE',
  PreferNoSchedule: 'PREFER_NO_SCHEDULE',
  NoExecute: 'NO_EXECUTE',
};

/** The node group's labels and taints: the pool's own, plus ksctl.io/pool naming it. */
export function nodegroupLabelsAndTaints(
  pool: NodePoolSpec,
): Pick<EKS.CreateNodegroupCommandInput, 'labels' | 'taints'> {
  return {
    labels: { ...pool.labels, 'ksctl.io/pool': pool.name },
    ...(pool.taints.length > 0
      ? {
          taints: pool.taints.map((t) => ({
            key: t.key,
            ...(t.value ? { value: t.value } : {}),
            effect: EKS_TAINT_EFFECT[t.effect],
          })),
        }
      : {}),
  };
}

async function describe(cloud: AwsCtx, pool: string): Promise<EKS.Nodegroup | undefined> {
  try {
    return (await cloud.aws.eks.describeNodegroup({ clusterName: cloud.spec.name, nodegroupName: pool })).nodegroup;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

async function waitGone(cloud: AwsCtx, pools: string[]): Promise<void> {
  if (pools.length === 0) return;
  await cloud.wait(
    `node group(s) ${pools.join(', ')} to be deleted`,
    async () => ((await Promise.all(pools.map((p) => describe(cloud, p)))).some(Boolean) ? undefined : true),
    { timeoutMs: DELETE_TIMEOUT_MS, initialIntervalMs: 10000, maxIntervalMs: 30000 },
  );
}

export async function ensureNodegroup(cloud: AwsCtx, catalog: InstanceCatalog, pool: NodePoolSpec): Promise<void> {
  let ng = await describe(cloud, pool.name);
  if (ng?.status === 'DELETING') {
    await waitGone(cloud, [pool.name]);
    ng = undefined;
  }
  if (!ng) {
    const nodeRole = recorded(cloud.ctx, roleKey('node'))?.id;
    if (!nodeRole) throw new ProviderError('no node role in state: eks/iam-node-role must run first');
    const arch = (await catalog.typeInfo(cloud, [pool.size])).get(pool.size)?.arch ?? 'amd64';
    cloud.log.info(`creating node group ${pool.name} (${pool.count} × ${pool.size}${pool.spot ? ', spot' : ''})`);
    try {
      const input: EKS.CreateNodegroupCommandInput = {
        clusterName: cloud.spec.name,
        nodegroupName: pool.name,
        // min/max are the pool's bounds when given: the autoscaler (and EKS) keep the group within them.
        scalingConfig: {
          minSize: pool.min ?? pool.count,
          maxSize: pool.max ?? Math.max(pool.count, 1),
          desiredSize: pool.count,
        },
        instanceTypes: [pool.size],
        capacityType: pool.spot ? 'SPOT' : 'ON_DEMAND',
        amiType: arch === 'arm64' ? 'AL2023_ARM_64_STANDARD' : 'AL2023_x86_64_STANDARD',
        subnets: poolSubnets(cloud, pool),
        nodeRole,
        ...nodegroupLabelsAndTaints(pool),
        tags: tagMap(tagsFor(cloud.spec, nodegroupKey(pool.name), 'eks-nodegroup', pool.name)),
      };
      input.clientRequestToken = eksRequestToken(cloud.spec, incarnationOf(cloud.ctx), `nodegroup/${pool.name}`, input);
      ng = (await cloud.aws.eks.createNodegroup(input)).nodegroup;
    } catch (e) {
      if (!hasCode(e, 'ResourceInUseException')) throw e;
      ng = await describe(cloud, pool.name);
    }
  }
  if (!ng?.nodegroupArn) throw new ProviderError(`node group ${pool.name} was not created`);
  await ensureRecorded(cloud.ctx, nodegroupKey(pool.name), {
    kind: 'aws:eks-nodegroup',
    id: ng.nodegroupArn,
    name: pool.name,
  });
  await cloud.wait(
    `node group ${pool.name} to become ACTIVE`,
    async () => {
      const now = await describe(cloud, pool.name);
      if (now?.status === 'CREATE_FAILED' || now?.status === 'DELETE_FAILED') {
        const why = now.health?.issues?.map((i) => `${i.code}: ${i.message}`).join('; ');
        throw new ProviderError(`node group ${pool.name} is ${now.status}${why ? `: ${why}` : ''}`);
      }
      return now?.status === 'ACTIVE' ? now : undefined;
    },
    { timeoutMs: CREATE_TIMEOUT_MS, initialIntervalMs: 10000, maxIntervalMs: 30000 },
  );
  await ensureRecorded(cloud.ctx, nodegroupKey(pool.name), {
    kind: 'aws:eks-nodegroup',
    id: ng.nodegroupArn,
    name: pool.name,
    status: 'ACTIVE',
    data: { size: pool.size, count: pool.count, spot: pool.spot },
  });
}

/** Every node group of the cluster (listed and recorded), deleted and waited out. */
export async function deleteNodegroups(cloud: AwsCtx): Promise<void> {
  const names = new Set(recordedKeys(cloud.ctx, 'eks/nodegroup/').map((k) => k.slice('eks/nodegroup/'.length)));
  try {
    let nextToken: string | undefined;
    do {
      const page = await cloud.aws.eks.listNodegroups({
        clusterName: cloud.spec.name,
        ...(nextToken ? { nextToken } : {}),
      });
      for (const n of page.nodegroups ?? []) names.add(n);
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const present: string[] = [];
  for (const name of names) {
    const ng = await describe(cloud, name);
    if (!ng) continue;
    present.push(name);
    if (ng.status === 'DELETING') continue;
    cloud.log.info(`deleting node group ${name}`);
    try {
      await cloud.aws.eks.deleteNodegroup({ clusterName: cloud.spec.name, nodegroupName: name });
    } catch (e) {
      if (!isNotFound(e) && !hasCode(e, 'ResourceInUseException')) throw e;
    }
  }
  await waitGone(cloud, present);
  await forget(cloud.ctx, ...recordedKeys(cloud.ctx, 'eks/nodegroup/'));
}
