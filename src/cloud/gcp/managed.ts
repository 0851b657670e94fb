/**
 * GKE: a network and subnetwork, a regional cluster (release channel or version validated against
 * getServerConfig) with its node pools, a kubeconfig using the `gke-gcloud-auth-plugin` exec entry,
 * and a destroy in reverse order (node pools → cluster → subnetwork → network).
 */
import { CLOUD_DEFAULT_VERSION } from '../../api/catalog.js';
import type { ClusterSpec, NodePoolSpec } from '../../api/types.js';
import { ConflictError, InputError, ProviderError } from '../../errors.js';
import type { Step, StepContext } from '../../pipeline/types.js';
import { OperatorCidrs } from '../common/operator-cidr.js';
import type { ManagedCloud, PlannedResource } from '../types.js';
import { checkCpuQuota, checkSpecShape, usableZones } from './checks.js';
import { GcpSession, type GcpCtx } from './context.js';
import { clusterResource, deleteGkeCluster, describeGke, ensureGkeCluster, isOurs } from './gke/cluster.js';
import { gkeKubeconfig } from './gke/kubeconfig.js';
import { checkPoolZones, deleteNodePools, ensureNodePool, nodePools, poolResource } from './gke/nodepools.js';
import { checkGkePoolChange, deleteGkePool, relabelGkePool, resizeGkePool } from './gke/nodepool-day2.js';
import { resolveGkeVersion, type GkeVersion } from './gke/version.js';
import { networkName, subnetName } from './naming.js';
import { ensureNetwork, recordedZones } from './network.js';
import { resolveRuntime } from './runtime.js';
import type { GcpProviderOptions } from './selfmanaged.js';
import { deleteNetwork } from './teardown.js';
import { updateGkeAccess } from './gke/access.js';
import { upgradeGkeMaster, upgradeGkePool } from './gke/upgrade.js';

export class GcpManaged implements ManagedCloud {
  readonly provider = 'gcp' as const;
  readonly kind = 'managed' as const;
  private readonly session: GcpSession;
  private readonly cidrs = new OperatorCidrs(() => this.session.runtime);
  private version: Promise<GkeVersion> | undefined;

  constructor(opts: GcpProviderOptions = {}) {
    this.session = new GcpSession(resolveRuntime(opts.runtime));
  }

  /** Master authorized networks take IPv4 ranges only. */
  private publicCidrs(ctx: StepContext): Promise<string[]> {
    return this.cidrs.ipv4(ctx.spec, 'GKE', ctx.signal);
  }

  private versionOf(cloud: GcpCtx): Promise<GkeVersion> {
    if (!this.version) {
      this.version = cloud.api.gke
        .getServerConfig(cloud.spec.region)
        .then((cfg) => resolveGkeVersion(cloud.spec.kubernetesVersion, cfg, cloud.spec.region));
      this.version.catch(() => (this.version = undefined));
    }
    return this.version;
  }

  async preflight(ctx: StepContext): Promise<void> {
    const spec = ctx.spec;
    if (!/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/.test(spec.name)) {
      throw new InputError(`"${spec.name}" is not a valid GKE cluster name (lowercase, digits, '-', at most 40)`, [
        'spec.name',
      ]);
    }
    const pools = nodePools(spec);
    const field = (i: number) => (spec.nodePools.length ? `spec.nodePools[${i}].size` : 'spec.workers.size');
    const sizes = pools.map((p, i) => ({ field: field(i), size: p.size, count: p.count }));
    checkSpecShape(spec, sizes);
    await this.publicCidrs(ctx);
    const cloud = await this.session.ctxOf(ctx);
    await this.session.adc();
    await this.versionOf(cloud);
    const { cpus, zones } = await usableZones(cloud, sizes);
    checkPoolZones(spec, zones);
    await checkCpuQuota(cloud, sizes, cpus);
    const c = await describeGke(cloud);
    if (c && !isOurs(cloud, c)) {
      throw new ConflictError(
        `a GKE cluster named ${spec.name} exists in ${spec.region} and was not created by ksctl`,
        { hint: 'choose another name' },
      );
    }
  }

  async resolveKubernetesVersion(ctx: StepContext): Promise<string> {
    return (await this.versionOf(await this.session.ctxOf(ctx))).version;
  }

  plannedResources(spec: ClusterSpec): PlannedResource[] {
    return [
      { kind: 'gcp:network', name: networkName(spec), details: { mode: 'custom' } },
      { kind: 'gcp:subnetwork', name: subnetName(spec), details: { cidr: spec.network.cidr } },
      {
        kind: 'gcp:gke-cluster',
        name: spec.name,
        details: { version: spec.kubernetesVersion ?? CLOUD_DEFAULT_VERSION, location: spec.region },
      },
      ...nodePools(spec).map((p) => ({
        kind: 'gcp:gke-nodepool',
        name: p.name,
        details: { size: p.size, count: p.count, spot: p.spot },
      })),
    ];
  }

  createSteps(spec: ClusterSpec): Step[] {
    const pools = nodePools(spec);
    const steps: Step[] = [
      {
        id: 'gke/network',
        title: 'Create VPC network and subnetwork',
        needs: [],
        target: `${networkName(spec)} ${spec.network.cidr}`,
        run: async (ctx) => {
          const cloud = await this.session.ctxOf(ctx);
          const zones =
            recordedZones(cloud) ??
            (
              await usableZones(
                cloud,
                pools.map((p) => ({ field: 'spec.nodePools', size: p.size, count: p.count })),
              )
            ).zones;
          await ensureNetwork(cloud, zones);
        },
      },
      {
        id: 'gke/cluster',
        title: `Create GKE cluster ${spec.name}`,
        needs: ['gke/network'],
        target: spec.name,
        details: { version: spec.kubernetesVersion ?? CLOUD_DEFAULT_VERSION },
        run: async (ctx) => {
          const cloud = await this.session.ctxOf(ctx);
          const version = await this.versionOf(cloud);
          const cidrs = await this.publicCidrs(ctx);
          const zones = recordedZones(cloud) ?? [];
          await ensureGkeCluster(cloud, () =>
            clusterResource(
              cloud,
              version,
              cidrs,
              pools.map((p) => poolResource(cloud, p, zones)),
            ),
          );
        },
      },
    ];
    for (const pool of pools) {
      steps.push({
        id: `gke/nodepool/${pool.name}`,
        title: `Create node pool ${pool.name}`,
        needs: ['gke/cluster'],
        target: pool.name,
        details: { size: pool.size, count: pool.count, spot: pool.spot },
        run: async (ctx) => {
          const cloud = await this.session.ctxOf(ctx);
          await ensureNodePool(cloud, pool, recordedZones(cloud) ?? []);
        },
      });
    }
    return steps;
  }

  async kubeconfig(ctx: StepContext): Promise<string> {
    const c = await describeGke(await this.session.ctxOf(ctx));
    const ca = c?.masterAuth?.clusterCaCertificate;
    if (!c?.endpoint || !ca)
      throw new ProviderError(`GKE cluster ${ctx.spec.name} has no endpoint yet (status ${c?.status ?? 'missing'})`);
    return gkeKubeconfig(ctx.spec, c.endpoint, ca);
  }

  async scaleNodePool(ctx: StepContext, pool: string, count: number): Promise<void> {
    await resizeGkePool(await this.session.ctxOf(ctx), pool, count);
  }

  async checkNodePools(ctx: StepContext, change: { created: NodePoolSpec[]; scaled: NodePoolSpec[] }): Promise<void> {
    await checkGkePoolChange(await this.session.ctxOf(ctx), change);
  }

  async createNodePool(ctx: StepContext, pool: NodePoolSpec): Promise<void> {
    const cloud = await this.session.ctxOf(ctx);
    await ensureNodePool(cloud, pool, recordedZones(cloud) ?? []);
  }

  async deleteNodePool(ctx: StepContext, pool: string): Promise<void> {
    await deleteGkePool(await this.session.ctxOf(ctx), pool);
  }

  async updateNodePool(ctx: StepContext, pool: NodePoolSpec): Promise<void> {
    await relabelGkePool(await this.session.ctxOf(ctx), pool);
  }

  /** `allowCidrs` empty: the operator's own address, looked up now (as at create). */
  async updateAccess(ctx: StepContext, allowCidrs: string[]): Promise<void> {
    const spec = { ...ctx.spec, network: { ...ctx.spec.network, allowCidrs } };
    const cidrs = await new OperatorCidrs(() => this.session.runtime).ipv4(spec, 'GKE', ctx.signal);
    await updateGkeAccess(await this.session.ctxOf(ctx), cidrs);
  }

  async upgradeControlPlane(ctx: StepContext, version: string): Promise<void> {
    await upgradeGkeMaster(await this.session.ctxOf(ctx), version);
  }

  async upgradeNodePool(ctx: StepContext, pool: string, version: string): Promise<void> {
    await upgradeGkePool(await this.session.ctxOf(ctx), pool, version);
  }

  async destroy(ctx: StepContext): Promise<void> {
    const cloud = await this.session.ctxOf(ctx);
    await deleteNodePools(cloud);
    await deleteGkeCluster(cloud);
    await deleteNetwork(cloud);
  }
}
