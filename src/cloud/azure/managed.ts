/** Managed clusters on AKS: a resource group and one AKS cluster with its node pools. */
import { CLOUD_DEFAULT_VERSION } from '../../api/catalog.js';
import type { ClusterSpec, NodePoolSpec } from '../../api/types.js';
import { memoVersion } from '../common/version.js';
import type { Step, StepContext } from '../../pipeline/types.js';
import type { ManagedCloud, PlannedResource } from '../types.js';
import {
  aksDemand,
  aksKubeconfig,
  resolveAksVersion,
  checkPoolNames,
  ensureAks,
  poolName,
  workerPools,
} from './aks.js';
import {
  checkAgentPoolChange,
  checkAksZones,
  deleteAgentPool,
  ensureAgentPool,
  scaleAgentPool,
  updateAgentPool,
} from './agent-pools.js';
import { checkInput, checkQuota, checkSizes, withCredentials } from './checks.js';
import { ApiCache, azCtx, subscriptionOf, type AzCtx } from './context.js';
import { aksName, resourceGroupName } from './naming.js';
import { ensureResourceGroup, ownedGroup } from './resource-group.js';
import { resolveRuntime, type AzureRuntime } from './runtime.js';
import type { AzureProviderOptions } from './selfmanaged.js';
import { destroyCluster } from './teardown.js';
import { updateAksAccess } from './aks-update.js';
import { upgradeAksControlPlane, upgradeAksPool } from './aks-upgrade.js';
import { OperatorCidrs } from '../common/operator-cidr.js';

export class AzureManaged implements ManagedCloud {
  readonly provider = 'azure' as const;
  readonly kind = 'managed' as const;
  private readonly runtime: AzureRuntime;
  private readonly apis: ApiCache;

  constructor(opts: AzureProviderOptions = {}) {
    this.runtime = resolveRuntime(opts.runtime);
    this.apis = new ApiCache(this.runtime);
  }

  private ctxOf(ctx: StepContext): AzCtx {
    return azCtx(ctx, this.apis, this.runtime);
  }

  async preflight(ctx: StepContext): Promise<void> {
    const demand = aksDemand(ctx.spec);
    checkInput(ctx.spec, demand, false);
    checkPoolNames(ctx.spec);
    subscriptionOf(ctx.spec, this.runtime);
    const cloud = this.ctxOf(ctx);
    const existing = await withCredentials(() => ownedGroup(cloud));
    await this.resolveKubernetesVersion(ctx);
    const skus = await checkSizes(cloud, demand);
    checkAksZones(ctx.spec, skus);
    if (!existing) await checkQuota(cloud, demand, skus);
  }

  private versions = new Map<string, Promise<string>>();

  resolveKubernetesVersion(ctx: StepContext): Promise<string> {
    return memoVersion(this.versions, ctx.spec, () => resolveAksVersion(this.ctxOf(ctx)));
  }

  plannedResources(spec: ClusterSpec): PlannedResource[] {
    return [
      { kind: 'azure:resource-group', name: resourceGroupName(spec), details: { location: spec.region } },
      {
        kind: 'azure:aks-cluster',
        name: aksName(spec),
        details: {
          version: spec.kubernetesVersion ?? CLOUD_DEFAULT_VERSION,
          pools: [
            'system',
            ...workerPools(spec).map((p) => `${poolName(p.name)} ${p.count}× ${p.size}${p.spot ? ' spot' : ''}`),
          ],
        },
      },
    ];
  }

  createSteps(spec: ClusterSpec): Step[] {
    return [
      {
        id: 'aks/group',
        title: 'Create resource group',
        needs: [],
        target: resourceGroupName(spec),
        run: async (ctx) => ensureResourceGroup(this.ctxOf(ctx)),
      },
      {
        id: 'aks/cluster',
        title: 'Create AKS cluster and node pools',
        needs: ['aks/group'],
        target: aksName(spec),
        run: async (ctx) => ensureAks(this.ctxOf(ctx), await this.authorizedCidrs(ctx)),
      },
    ];
  }

  kubeconfig(ctx: StepContext): Promise<string> {
    return aksKubeconfig(this.ctxOf(ctx));
  }

  /** network.allowCidrs, or (empty) the operator's own public address, looked up once per run. */
  private readonly operator = new OperatorCidrs(() => this.runtime);
  private authorizedCidrs(ctx: StepContext): Promise<string[]> {
    return this.operator.ipv4(ctx.spec, 'AKS', ctx.signal);
  }

  /** `allowCidrs` empty: the operator's own address, looked up now (as at create). */
  async updateAccess(ctx: StepContext, allowCidrs: string[]): Promise<void> {
    const spec = { ...ctx.spec, network: { ...ctx.spec.network, allowCidrs } };
    const cidrs = await new OperatorCidrs(() => this.runtime).ipv4(spec, 'AKS', ctx.signal);
    await updateAksAccess(this.ctxOf(ctx), cidrs);
  }

  upgradeControlPlane(ctx: StepContext, version: string): Promise<void> {
    return upgradeAksControlPlane(this.ctxOf(ctx), version);
  }

  upgradeNodePool(ctx: StepContext, pool: string, version: string): Promise<void> {
    return upgradeAksPool(this.ctxOf(ctx), pool, version);
  }

  checkNodePools(ctx: StepContext, change: { created: NodePoolSpec[] }): Promise<void> {
    return checkAgentPoolChange(this.ctxOf(ctx), change.created);
  }

  createNodePool(ctx: StepContext, pool: NodePoolSpec): Promise<void> {
    return ensureAgentPool(this.ctxOf(ctx), pool);
  }

  deleteNodePool(ctx: StepContext, pool: string): Promise<void> {
    return deleteAgentPool(this.ctxOf(ctx), pool);
  }

  updateNodePool(ctx: StepContext, pool: NodePoolSpec): Promise<void> {
    return updateAgentPool(this.ctxOf(ctx), pool);
  }

  scaleNodePool(ctx: StepContext, pool: string, count: number): Promise<void> {
    return scaleAgentPool(this.ctxOf(ctx), pool, count);
  }

  destroy(ctx: StepContext): Promise<void> {
    return destroyCluster(this.ctxOf(ctx));
  }
}
