/**
 * EKS: IAM roles, a VPC with subnets in at least two zones, the control plane, node groups; a
 * kubeconfig with the `aws eks get-token` exec plugin; and a destroy in reverse order that sweeps
 * by state and by name+tag.
 */
import { CLOUD_DEFAULT_VERSION } from '../../api/catalog.js';
import type { ClusterSpec, NodePoolSpec } from '../../api/types.js';
import { memoVersion } from '../common/version.js';
import { InputError, ProviderError } from '../../errors.js';
import type { Step, StepContext } from '../../pipeline/types.js';
import type { ManagedCloud, PlannedResource } from '../types.js';
import { InstanceCatalog } from './catalog.js';
import { checkCredentials, checkOfferings, checkRegion, checkVcpuQuota } from './checks.js';
import { checkVpcCidr } from '../common/cidr.js';
import { awsCtx, ClientCache, type AwsCtx } from './context.js';
import { deleteEksCluster, describeEks, ensureEksCluster } from './eks/cluster.js';
import { checkEksName, resolveEksVersion } from './eks/checks.js';
import { eksKubeconfig } from './eks/kubeconfig.js';
import { deleteNodegroups, ensureNodegroup, nodePools } from './eks/nodegroups.js';
import { checkNodegroupChange, deleteNodegroup, scaleNodegroupTo, updateNodegroup } from './eks/nodegroup-day2.js';
import { checkPoolZonesIn, poolZones } from './eks/pool-zones.js';
import { deleteRole, ensureRole } from './eks/roles.js';
import { ensureNetwork, usableZones } from './network.js';
import { iamRoleName } from './naming.js';
import { OperatorCidrs } from '../common/operator-cidr.js';
import { resolveRuntime, type AwsRuntime } from './runtime.js';
import type { AwsProviderOptions } from './selfmanaged.js';
import { deleteNetwork } from './teardown.js';
import { updateEksAccess } from './eks/access.js';
import { upgradeEksControlPlane, upgradeEksNodegroup } from './eks/upgrade.js';

export class AwsManaged implements ManagedCloud {
  readonly provider = 'aws' as const;
  readonly kind = 'managed' as const;
  private readonly runtime: AwsRuntime;
  private readonly clients: ClientCache;
  private readonly catalog = new InstanceCatalog();
  private readonly cidrs = new OperatorCidrs(() => this.runtime);

  constructor(opts: AwsProviderOptions = {}) {
    this.runtime = resolveRuntime(opts.runtime);
    this.clients = new ClientCache(this.runtime);
  }

  private ctxOf(ctx: StepContext): AwsCtx {
    return awsCtx(ctx, this.clients, this.runtime);
  }

  /** EKS public endpoint CIDRs: IPv4 only. */
  private publicCidrs(ctx: StepContext): Promise<string[]> {
    return this.cidrs.ipv4(ctx.spec, 'EKS', ctx.signal);
  }

  async preflight(ctx: StepContext): Promise<void> {
    const spec = ctx.spec;
    checkVpcCidr(spec.network.cidr);
    const pools = nodePools(spec);
    await this.publicCidrs(ctx);
    const cloud = this.ctxOf(ctx);
    cloud.log.debug(`AWS identity: ${await checkCredentials(cloud)}`);
    await checkRegion(cloud);
    await this.resolveKubernetesVersion(ctx);
    const field = (i: number) => (spec.nodePools.length ? `spec.nodePools[${i}].size` : 'spec.workers.size');
    await checkOfferings(
      cloud,
      pools.map((p, i) => ({ field: field(i), size: p.size })),
    );
    const demand = (spot: boolean) =>
      pools.filter((p) => p.spot === spot).map((p) => ({ size: p.size, count: p.count }));
    await checkVcpuQuota(cloud, this.catalog, { onDemand: demand(false), spot: demand(true) });
    const zones = await usableZones(
      cloud,
      pools.map((p) => p.size),
      { eks: true },
    );
    if (zones.length < 2) {
      const sizes = pools.map((p) => p.size).join(', ');
      throw new InputError(`EKS needs two zones offering ${sizes}; ${spec.region} has ${zones.length}`, [
        'spec.region',
      ]);
    }
    checkPoolZonesIn(
      spec,
      zones,
      `a zone of ${spec.region} that offers ${[...new Set(pools.map((p) => p.size))].join(', ')} to EKS`,
    );
    await checkEksName(cloud);
  }

  private versions = new Map<string, Promise<string>>();

  resolveKubernetesVersion(ctx: StepContext): Promise<string> {
    return memoVersion(this.versions, ctx.spec, () => resolveEksVersion(this.ctxOf(ctx)));
  }

  plannedResources(spec: ClusterSpec): PlannedResource[] {
    return [
      { kind: 'aws:iam-role', name: iamRoleName(spec, 'cluster') },
      { kind: 'aws:iam-role', name: iamRoleName(spec, 'node') },
      { kind: 'aws:vpc', name: `ksctl-${spec.name}`, details: { cidr: spec.network.cidr } },
      { kind: 'aws:subnet', name: `ksctl-${spec.name}-<zone>`, details: { count: '2-3, one per zone' } },
      { kind: 'aws:internet-gateway', name: `ksctl-${spec.name}` },
      { kind: 'aws:route-table', name: `ksctl-${spec.name}` },
      {
        kind: 'aws:eks-cluster',
        name: spec.name,
        details: { version: spec.kubernetesVersion ?? CLOUD_DEFAULT_VERSION },
      },
      ...nodePools(spec).map((p) => ({
        kind: 'aws:eks-nodegroup',
        name: p.name,
        details: { size: p.size, count: p.count, spot: p.spot },
      })),
    ];
  }

  createSteps(spec: ClusterSpec): Step[] {
    const pools = nodePools(spec);
    const steps: Step[] = [
      {
        id: 'eks/iam-cluster-role',
        title: 'Create IAM role for the EKS control plane',
        needs: [],
        target: iamRoleName(spec, 'cluster'),
        run: async (ctx) => void (await ensureRole(this.ctxOf(ctx), 'cluster')),
      },
      {
        id: 'eks/iam-node-role',
        title: 'Create IAM role for EKS nodes',
        needs: [],
        target: iamRoleName(spec, 'node'),
        run: async (ctx) => void (await ensureRole(this.ctxOf(ctx), 'node')),
      },
      {
        id: 'eks/network',
        title: 'Create VPC, subnets, internet gateway and routes',
        needs: [],
        target: `vpc ${spec.network.cidr}`,
        run: async (ctx) => {
          const sizes = pools.map((p) => p.size);
          await ensureNetwork(this.ctxOf(ctx), {
            minZones: 2,
            maxZones: 3,
            sizes,
            subnetTags: { 'kubernetes.io/role/elb': '1' },
            eks: true,
            prefer: poolZones(spec),
          });
        },
      },
      {
        id: 'eks/cluster',
        title: `Create EKS cluster ${spec.name}`,
        needs: ['eks/iam-cluster-role', 'eks/network'],
        target: spec.name,
        details: { version: spec.kubernetesVersion ?? CLOUD_DEFAULT_VERSION },
        run: async (ctx) => void (await ensureEksCluster(this.ctxOf(ctx), await this.publicCidrs(ctx))),
      },
    ];
    for (const pool of pools) {
      steps.push({
        id: `eks/nodegroup/${pool.name}`,
        title: `Create node group ${pool.name}`,
        needs: ['eks/cluster', 'eks/iam-node-role'],
        target: pool.name,
        details: { size: pool.size, count: pool.count, spot: pool.spot },
        run: async (ctx) => ensureNodegroup(this.ctxOf(ctx), this.catalog, pool),
      });
    }
    return steps;
  }

  async kubeconfig(ctx: StepContext): Promise<string> {
    const c = await describeEks(this.ctxOf(ctx));
    const ca = c?.certificateAuthority?.data;
    if (!c?.endpoint || !ca)
      throw new ProviderError(`EKS cluster ${ctx.spec.name} has no endpoint yet (status ${c?.status ?? 'missing'})`);
    return eksKubeconfig(ctx.spec, c.endpoint, ca);
  }

  async scaleNodePool(ctx: StepContext, pool: string, count: number): Promise<void> {
    await scaleNodegroupTo(this.ctxOf(ctx), pool, count);
  }

  checkNodePools(ctx: StepContext, change: { created: NodePoolSpec[] }): Promise<void> {
    checkNodegroupChange(this.ctxOf(ctx), change.created);
    return Promise.resolve();
  }

  async createNodePool(ctx: StepContext, pool: NodePoolSpec): Promise<void> {
    await ensureNodegroup(this.ctxOf(ctx), this.catalog, pool);
  }

  async deleteNodePool(ctx: StepContext, pool: string): Promise<void> {
    await deleteNodegroup(this.ctxOf(ctx), pool);
  }

  async updateNodePool(ctx: StepContext, pool: NodePoolSpec): Promise<void> {
    await updateNodegroup(this.ctxOf(ctx), pool);
  }

  /** `allowCidrs` empty: the operator's own address, looked up now (as at create). */
  async updateAccess(ctx: StepContext, allowCidrs: string[]): Promise<void> {
    const spec = { ...ctx.spec, network: { ...ctx.spec.network, allowCidrs } };
    const cidrs = await new OperatorCidrs(() => this.runtime).ipv4(spec, 'EKS', ctx.signal);
    await updateEksAccess(this.ctxOf(ctx), cidrs);
  }

  upgradeControlPlane(ctx: StepContext, version: string): Promise<void> {
    return upgradeEksControlPlane(this.ctxOf(ctx), version);
  }

  upgradeNodePool(ctx: StepContext, pool: string, version: string): Promise<void> {
    return upgradeEksNodegroup(this.ctxOf(ctx), pool, version);
  }

  async destroy(ctx: StepContext): Promise<void> {
    const cloud = this.ctxOf(ctx);
    await deleteNodegroups(cloud);
    await deleteEksCluster(cloud);
    await deleteRole(cloud, 'cluster');
    await deleteRole(cloud, 'node');
    await deleteNetwork(cloud);
  }
}
