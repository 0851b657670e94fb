/**
 * EKS node groups on day 2: one deleted (EKS drains its nodes), its labels, taints and bounds set
 * (UpdateNodegroupConfig's addOrUpdate/remove payloads), its size set. Level-based: each call compares
 * the node group as EKS describes it with what the pool asks and sends only the difference, then waits
 * for the update (DescribeUpdate) and for the group to be ACTIVE; a re-run after a crash converges.
 */
import type { NodePoolSpec } from '../../../api/types.js';
import { ProviderError } from '../../../errors.js';
import { forget } from '../../common/record.js';
import type { AwsCtx } from '../context.js';
import { hasCode, isNotFound } from '../errors.js';
import { nodegroupKey, nodegroupLabelsAndTaints, nodePools } from './nodegroups.js';
import { checkPoolZonesIn, clusterZones } from './pool-zones.js';
import type * as EKS from '@aws-sdk/client-eks';

const WAIT_MS = 30 * 60_000;
const POLL = { timeoutMs: WAIT_MS, initialIntervalMs: 10_000, maxIntervalMs: 30_000 };

async function describe(cloud: AwsCtx, name: string): Promise<EKS.Nodegroup | undefined> {
  try {
    return (await cloud.aws.eks.describeNodegroup({ clusterName: cloud.spec.name, nodegroupName: name })).nodegroup;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The node group once no operation runs on it (EKS refuses an update while one does). */
async function whenActive(cloud: AwsCtx, name: string): Promise<EKS.Nodegroup> {
  return cloud.wait(
    `node group ${name} to be ACTIVE`,
    async () => {
      const ng = await describe(cloud, name);
      if (!ng) throw new ProviderError(`node group ${name} of EKS cluster ${cloud.spec.name} does not exist`);
      if (ng.status === 'ACTIVE' || ng.status === 'DEGRADED') return ng;
      if (ng.status === 'CREATE_FAILED' || ng.status === 'DELETE_FAILED' || ng.status === 'DELETING')
        throw new ProviderError(`node group ${name} is ${ng.status}`);
      return undefined;
    },
    POLL,
  );
}

/**
 * EKS's scalingConfig for a pool of `count` nodes: its bounds when it has them, else pinned to the
 * count (EKS requires maxSize ≥ 1; nothing autoscales a group ksctl gave no bounds).
 */
export function scalingFor(
  pool: Pick<NodePoolSpec, 'min' | 'max'>,
  count: number,
): Required<EKS.NodegroupScalingConfig> {
  return { minSize: pool.min ?? count, maxSize: pool.max ?? Math.max(count, 1), desiredSize: count };
}

/** Sends one UpdateNodegroupConfig and waits until EKS reports the update Successful. */
async function update(
  cloud: AwsCtx,
  name: string,
  input: Omit<EKS.UpdateNodegroupConfigCommandInput, 'clusterName' | 'nodegroupName'>,
): Promise<void> {
  const out = await cloud.aws.eks.updateNodegroupConfig({
    clusterName: cloud.spec.name,
    nodegroupName: name,
    ...input,
  });
  const id = out.update?.id;
  if (!id) throw new ProviderError(`UpdateNodegroupConfig of ${name} returned no update id`);
  await cloud.wait(
    `update ${id} of node group ${name}`,
    async () => {
      const u = (await cloud.aws.eks.describeUpdate({ name: cloud.spec.name, nodegroupName: name, updateId: id }))
        .update;
      if (u?.status === 'Failed' || u?.status === 'Cancelled') {
        const why = (u.errors ?? []).map((e) => `${e.errorCode}: ${e.errorMessage}`).join('; ');
        throw new ProviderError(`update of node group ${name} ${u.status}${why ? `: ${why}` : ''}`);
      }
      return u?.status === 'Successful' ? true : undefined;
    },
    POLL,
  );
  await whenActive(cloud, name);
}

/** Sets the node group's size (within the pool's bounds in the target spec). */
export async function scaleNodegroupTo(cloud: AwsCtx, name: string, count: number): Promise<void> {
  const pool = cloud.spec.nodePools.find((p) => p.name === name) ?? {};
  const want = scalingFor(pool, count);
  const ng = await whenActive(cloud, name);
  const have = ng.scalingConfig ?? {};
  if (have.minSize === want.minSize && have.maxSize === want.maxSize && have.desiredSize === want.desiredSize) return;
  cloud.log.info(`scaling node group ${name} to ${count}`);
  await update(cloud, name, { scalingConfig: want });
}

const taintId = (t: EKS.Taint) => `${t.key}:${t.effect}`;

/** The labels, taints and bounds update that takes `ng` to `pool` (undefined: nothing differs). */
export function nodegroupConfigDelta(
  ng: EKS.Nodegroup,
  pool: NodePoolSpec,
): Pick<EKS.UpdateNodegroupConfigCommandInput, 'labels' | 'taints' | 'scalingConfig'> | undefined {
  const want = nodegroupLabelsAndTaints(pool);
  const haveLabels = ng.labels ?? {};
  const wantLabels = want.labels ?? {};
  const addLabels = Object.fromEntries(Object.entries(wantLabels).filter(([k, v]) => haveLabels[k] !== v));
  const removeLabels = Object.keys(haveLabels).filter((k) => !(k in wantLabels));
  const haveTaints = new Map((ng.taints ?? []).map((t) => [taintId(t), t]));
  const wantTaints = new Map((want.taints ?? []).map((t) => [taintId(t), t]));
  const addTaints = [...wantTaints.values()].filter((t) => {
    const had = haveTaints.get(taintId(t));
    return !had || (had.value ?? '') !== (t.value ?? '');
  });
  const removeTaints = [...haveTaints.values()].filter((t) => !wantTaints.has(taintId(t)));
  const desired = ng.scalingConfig?.desiredSize ?? pool.count;
  const bounds = scalingFor(pool, desired);
  const boundsDiffer = ng.scalingConfig?.minSize !== bounds.minSize || ng.scalingConfig?.maxSize !== bounds.maxSize;
  const out: Pick<EKS.UpdateNodegroupConfigCommandInput, 'labels' | 'taints' | 'scalingConfig'> = {
    ...(Object.keys(addLabels).length || removeLabels.length
      ? {
          labels: {
            ...(Object.keys(addLabels).length ? { addOrUpdateLabels: addLabels } : {}),
            ...(removeLabels.length ? { removeLabels } : {}),
          },
        }
      : {}),
    ...(addTaints.length || removeTaints.length
      ? {
          taints: {
            ...(addTaints.length ? { addOrUpdateTaints: addTaints } : {}),
            ...(removeTaints.length ? { removeTaints } : {}),
          },
        }
      : {}),
    // Bounds only: the size is the scale step's. minSize/maxSize around the size the group has now.
    ...(boundsDiffer ? { scalingConfig: { minSize: bounds.minSize, maxSize: bounds.maxSize } } : {}),
  };
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Sets the node group's labels, taints and bounds to the pool's. */
export async function updateNodegroup(cloud: AwsCtx, pool: NodePoolSpec): Promise<void> {
  const ng = await whenActive(cloud, pool.name);
  const delta = nodegroupConfigDelta(ng, pool);
  if (!delta) return;
  cloud.log.info(`updating node group ${pool.name}: ${Object.keys(delta).join(', ')}`);
  await update(cloud, pool.name, delta);
}

/** Deletes one node group (EKS cordons and drains its nodes first) and waits until it is gone. */
export async function deleteNodegroup(cloud: AwsCtx, name: string): Promise<void> {
  let ng = await describe(cloud, name);
  // EKS refuses to delete a group while it is being created or updated (an earlier run's call).
  if (ng?.status === 'CREATING' || ng?.status === 'UPDATING')
    ng = await cloud
      .wait(
        `node group ${name} to finish ${ng.status.toLowerCase()}`,
        async () => {
          const now = await describe(cloud, name);
          return now?.status === 'CREATING' || now?.status === 'UPDATING' ? undefined : { now };
        },
        POLL,
      )
      .then((r) => r.now);
  if (ng && ng.status !== 'DELETING') {
    cloud.log.info(`deleting node group ${name}`);
    try {
      await cloud.aws.eks.deleteNodegroup({ clusterName: cloud.spec.name, nodegroupName: name });
    } catch (e) {
      if (!isNotFound(e) && !hasCode(e, 'ResourceInUseException')) throw e;
    }
  }
  if (ng)
    await cloud.wait(
      `node group ${name} to be deleted`,
      async () => ((await describe(cloud, name)) ? undefined : true),
      POLL,
    );
  await forget(cloud.ctx, nodegroupKey(name));
}

/**
 * Day-2 checks before anything is written: EKS's names and label rules for the target's pools, and
 * a new pool's zones among the zones the cluster has subnets in (reads state only).
 */
export function checkNodegroupChange(cloud: AwsCtx, created: NodePoolSpec[]): void {
  nodePools(cloud.spec);
  checkPoolZonesIn(
    cloud.spec,
    clusterZones(cloud),
    `a zone of cluster ${cloud.spec.name}'s subnets (EKS places node groups in the cluster's subnets; ksctl makes them at create)`,
    new Set(created.map((p) => p.name)),
  );
}
