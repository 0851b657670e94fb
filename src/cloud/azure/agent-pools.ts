/**
 * AKS agent pools on day 2 (the agentPools API of @azure/arm-containerservice): one created, scaled,
 * relabelled or deleted, each waited on through the SDK's poller. A PUT replaces the whole pool, so
 * a change reads the pool first and sends it back with the one change; AKS's own labels and taints
 * (kubernetes.azure.com/…, e.g. a spot pool's scalesetpriority taint) are kept as AKS set them.
 *
 * Bounds: `min`/`max` stay in ksctl's spec and are not sent. AKS takes minCount/maxCount only with its
 * own cluster autoscaler on (enableAutoScaling), which would then own the count and fight `ksctl
 * scale`; until ksctl runs the autoscaler (externalgrpc), AKS pools are sized by `count` alone.
 */
import type { ClusterSpec, NodePoolSpec } from '../../api/types.js';
import { InputError, ProviderError } from '../../errors.js';
import { ensureRecorded, forget } from '../common/record.js';
import { AKS_KEY, checkPoolNames, poolLabelsAndTaints, poolName } from './aks.js';
import { checkSizes } from './checks.js';
import type { AzCtx } from './context.js';
import { getOrUndefined, isNotFound } from './errors.js';
import { aksName, tagsFor } from './naming.js';
import type { AgentPool, ResourceSku } from './sdk.js';

const TERMINAL = ['Succeeded', 'Failed', 'Canceled'];
const AKS_OWN = 'kubernetes.azure.com/';

export const agentPoolKey = (pool: string) => `${AKS_KEY}/pool/${poolName(pool)}`;

/** The agent pool a spec pool is, as AKS takes it in a PUT of its own. */
export function agentPoolBody(spec: ClusterSpec, p: NodePoolSpec): AgentPool {
  return {
    count: p.count,
    vmSize: p.size,
    mode: 'User',
    osType: 'Linux',
    osSKU: 'Ubuntu',
    typePropertiesType: 'VirtualMachineScaleSets',
    enableAutoScaling: false,
    tags: tagsFor(spec, agentPoolKey(p.name), 'nodepool'),
    ...(p.spot ? { scaleSetPriority: 'Spot', scaleSetEvictionPolicy: 'Delete', spotMaxPrice: -1 } : {}),
    ...(p.zones?.length ? { availabilityZones: [...p.zones] } : {}),
    ...poolLabelsAndTaints(p),
  };
}

const state = (p: AgentPool | undefined) => p?.provisioningState ?? 'Succeeded';

/** The pool once no operation runs on it (AKS refuses a PUT meanwhile); undefined when it is gone. */
async function settled(cloud: AzCtx, name: string): Promise<AgentPool | undefined> {
  const get = () => getOrUndefined(() => cloud.api.agentPools.get(cloud.group, aksName(cloud.spec), name));
  let pool = await get();
  let delay = cloud.runtime.pollIntervalMs ?? 5000;
  const deadline = Date.now() + cloud.runtime.lroTimeoutMs;
  while (pool && !TERMINAL.includes(state(pool))) {
    if (Date.now() > deadline) throw new ProviderError(`agent pool ${name} stayed ${state(pool)}`);
    cloud.log.debug(`agent pool ${name} is ${state(pool)}; waiting`);
    await sleep(delay, cloud.ctx.signal);
    delay = Math.min(delay * 2, cloud.runtime.pollIntervalMs ?? 30_000);
    pool = await get();
  }
  return pool;
}

async function put(cloud: AzCtx, name: string, body: AgentPool): Promise<AgentPool> {
  const out = await cloud.api.agentPools.put(cloud.group, aksName(cloud.spec), name, body);
  if (state(out) !== 'Succeeded')
    throw new ProviderError(`agent pool ${name} is ${state(out)}`, {
      hint: 'see the Activity log in the Azure portal',
    });
  return out;
}

/** Creates the pool (or finishes an earlier run's create) and records it. */
export async function ensureAgentPool(cloud: AzCtx, p: NodePoolSpec): Promise<void> {
  const name = poolName(p.name);
  let pool = await settled(cloud, name);
  if (!pool || state(pool) !== 'Succeeded') {
    cloud.log.info(`creating agent pool ${name} (${p.count} × ${p.size}${p.spot ? ', spot' : ''})`);
    pool = await put(cloud, name, agentPoolBody(cloud.spec, p));
  }
  await ensureRecorded(cloud.ctx, agentPoolKey(p.name), { kind: 'azure:aks-agentpool', id: pool.id ?? name, name });
}

/** The live pool's labels and taints with the pool's in place of ksctl's and the user's (AKS's own kept). */
export function relabelled(live: AgentPool, p: NodePoolSpec): Pick<AgentPool, 'nodeLabels' | 'nodeTaints'> {
  const want = poolLabelsAndTaints(p);
  const own = Object.entries(live.nodeLabels ?? {}).filter(([k]) => k.startsWith(AKS_OWN));
  const ownTaints = (live.nodeTaints ?? []).filter((t) => t.startsWith(AKS_OWN));
  return {
    nodeLabels: { ...Object.fromEntries(own), ...want.nodeLabels },
    nodeTaints: [...ownTaints, ...(want.nodeTaints ?? [])],
  };
}

const sameLabels = (a: Record<string, string> = {}, b: Record<string, string> = {}) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
const sameTaints = (a: string[] = [], b: string[] = []) =>
  JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

async function live(cloud: AzCtx, name: string): Promise<AgentPool> {
  const pool = await settled(cloud, name);
  if (!pool) throw new ProviderError(`agent pool ${name} of AKS cluster ${aksName(cloud.spec)} does not exist`);
  return pool;
}

/** Sets the pool's labels and taints to the spec's. */
export async function updateAgentPool(cloud: AzCtx, p: NodePoolSpec): Promise<void> {
  const name = poolName(p.name);
  const pool = await live(cloud, name);
  const want = relabelled(pool, p);
  if (sameLabels(pool.nodeLabels, want.nodeLabels) && sameTaints(pool.nodeTaints, want.nodeTaints)) return;
  cloud.log.info(`updating agent pool ${name}: labels and taints`);
  await put(cloud, name, { ...pool, ...want });
}

/** Sets the pool's node count (AKS cordons and drains the nodes a scale-down removes). */
export async function scaleAgentPool(cloud: AzCtx, pool: string, count: number): Promise<void> {
  const name = poolName(pool);
  const live_ = await live(cloud, name);
  if (live_.count === count) return;
  cloud.log.info(`scaling agent pool ${name} from ${live_.count ?? '?'} to ${count}`);
  await put(cloud, name, { ...live_, count });
}

/** Deletes the pool (AKS drains its nodes) and waits until it is gone; not found is done. */
export async function deleteAgentPool(cloud: AzCtx, pool: string): Promise<void> {
  const name = poolName(pool);
  if (await settled(cloud, name)) {
    cloud.log.info(`deleting agent pool ${name}`);
    try {
      await cloud.api.agentPools.delete(cloud.group, aksName(cloud.spec), name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  await forget(cloud.ctx, agentPoolKey(pool));
}

/** Exit 2 naming spec.nodePools[i].zones[j] for a zone where the region does not offer the pool's size. */
export function checkAksZones(spec: ClusterSpec, skus: Map<string, ResourceSku>, only?: Set<string>): void {
  spec.nodePools.forEach((p, i) => {
    if (only && !only.has(p.name)) return;
    const info = skus.get(p.size)?.locationInfo?.find((l) => l.location?.toLowerCase() === spec.region.toLowerCase());
    const offered = info?.zones ?? [];
    (p.zones ?? []).forEach((z, j) => {
      if (!offered.includes(z))
        throw new InputError(
          `spec.nodePools[${i}].zones[${j}]: "${z}" is not an availability zone of ${spec.region} offering ${p.size}: ${offered.length ? `use ${[...offered].sort().join(', ')}` : `${p.size} has no zones there; leave zones out`}`,
          [`spec.nodePools[${i}].zones[${j}]`],
        );
    });
  });
}

/** Day-2 checks before anything is written: AKS pool names, new pools' sizes offered and their zones. */
export async function checkAgentPoolChange(cloud: AzCtx, created: NodePoolSpec[]): Promise<void> {
  checkPoolNames(cloud.spec);
  if (created.length === 0) return;
  const names = new Set(created.map((p) => p.name));
  const demand = cloud.spec.nodePools
    .map((p, i) => ({ field: `spec.nodePools[${i}].size`, size: p.size, count: p.count, spot: p.spot, name: p.name }))
    .filter((d) => names.has(d.name));
  checkAksZones(cloud.spec, await checkSizes(cloud, demand), names);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => (clearTimeout(t), reject(signal.reason as Error));
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
