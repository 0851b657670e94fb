/**
 * Self-managed clusters on Azure VMs: a resource group, a VNet, per-role NSGs/ASGs, one VM per
 * planned machine, and a destroy that deletes the (verified) resource group. Mirrors
 * src/cloud/aws/selfmanaged.ts; see ARCHITECTURE.md decisions 2 and 5.
 */
import type { ClusterSpec, Role } from '../../api/types.js';
import type { Step, StepContext } from '../../pipeline/types.js';
import type { Machine } from '../../state/types.js';
import { rolesOf } from '../common/firewall-rules.js';
import { ensureKeyPair } from '../common/keys.js';
import { OperatorCidrs } from '../common/operator-cidr.js';
import { machinePlanOf } from '../common/machine-plan.js';
import type { PlannedMachine, PlannedResource, SelfManagedCloud } from '../types.js';
import { checkInput, checkQuota, checkSizes, selfManagedDemand, withCredentials } from './checks.js';
import { ApiCache, azCtx, subscriptionOf, type AzCtx } from './context.js';
import { ensureFirewall } from './firewall.js';
import { deleteMachine, ensureMachine, SSH_KEY_SECRET } from './machines.js';
import { asgName, nsgName, resourceGroupName, vnetName } from './naming.js';
import { ensureNetwork, subnetCidr } from './network.js';
import { ensureResourceGroup, ownedGroup } from './resource-group.js';
import { resolveRuntime, type AzureRuntime } from './runtime.js';
import { destroyCluster } from './teardown.js';

export interface AzureProviderOptions {
  /** IP lookup, credential and SDK client options; tests pass a fake here. */
  runtime?: Partial<AzureRuntime>;
}

const INFRA = ['infra/group', 'infra/network', 'infra/firewall', 'infra/sshkey'];

export class AzureSelfManaged implements SelfManagedCloud {
  readonly provider = 'azure' as const;
  readonly kind = 'selfmanaged' as const;
  private readonly runtime: AzureRuntime;
  private readonly apis: ApiCache;
  private readonly cidrs = new OperatorCidrs(() => this.runtime);

  constructor(opts: AzureProviderOptions = {}) {
    this.runtime = resolveRuntime(opts.runtime);
    this.apis = new ApiCache(this.runtime);
  }

  private ctxOf(ctx: StepContext): AzCtx {
    return azCtx(ctx, this.apis, this.runtime);
  }

  private operatorCidrs(ctx: StepContext): Promise<string[]> {
    return this.cidrs.get(ctx.spec, ctx.signal);
  }

  async preflight(ctx: StepContext): Promise<void> {
    const demand = selfManagedDemand(ctx.spec);
    checkInput(ctx.spec, demand, true);
    subscriptionOf(ctx.spec, this.runtime);
    await this.operatorCidrs(ctx);
    const cloud = this.ctxOf(ctx);
    const existing = await withCredentials(() => ownedGroup(cloud));
    const skus = await checkSizes(cloud, demand);
    // A re-run reuses the VMs already counted in the usage: check quota on first create only.
    if (existing) cloud.log.debug(`resource group ${cloud.group} exists; skipping the vCPU quota check`);
    else await checkQuota(cloud, demand, skus);
  }

  plannedResources(spec: ClusterSpec): PlannedResource[] {
    return [
      { kind: 'azure:resource-group', name: resourceGroupName(spec), details: { location: spec.region } },
      {
        kind: 'azure:virtual-network',
        name: vnetName(spec),
        details: { cidr: spec.network.cidr, subnet: subnetCidr(spec.network.cidr) },
      },
      ...rolesOf(spec).flatMap((r) => [
        { kind: 'azure:application-security-group', name: asgName(spec, r) },
        { kind: 'azure:network-security-group', name: nsgName(spec, r) },
      ]),
      ...machinePlanOf(spec).flatMap((m) => [
        { kind: 'azure:public-ip', name: `${m.name}-ip` },
        { kind: 'azure:network-interface', name: `${m.name}-nic` },
        {
          kind: 'azure:virtual-machine',
          name: m.name,
          details: { size: m.size, role: m.role, spot: m.spot, image: 'Ubuntu 24.04 LTS' },
        },
      ]),
    ];
  }

  infraSteps(spec: ClusterSpec): Step[] {
    return [
      {
        id: 'infra/group',
        title: 'Create resource group',
        needs: [],
        target: resourceGroupName(spec),
        run: async (ctx) => ensureResourceGroup(this.ctxOf(ctx)),
      },
      {
        id: 'infra/network',
        title: 'Create virtual network and subnet',
        needs: ['infra/group'],
        target: `vnet ${spec.network.cidr}`,
        run: async (ctx) => ensureNetwork(this.ctxOf(ctx)),
      },
      {
        id: 'infra/firewall',
        title: 'Create network and application security groups',
        needs: ['infra/group'],
        details: { groups: rolesOf(spec) },
        run: async (ctx) => ensureFirewall(this.ctxOf(ctx), await this.operatorCidrs(ctx)),
      },
      {
        id: 'infra/sshkey',
        title: 'Create SSH key',
        needs: [],
        run: async (ctx) => void (await ensureKeyPair(ctx.cluster.secrets, SSH_KEY_SECRET)),
      },
    ];
  }

  machinePlan(spec: ClusterSpec): PlannedMachine[] {
    return machinePlanOf(spec);
  }

  machineNeeds(_role: Role): string[] {
    return [...INFRA];
  }

  ensureMachine(ctx: StepContext, planned: PlannedMachine): Promise<Machine> {
    return ensureMachine(this.ctxOf(ctx), planned);
  }

  deleteMachine(ctx: StepContext, machine: Machine): Promise<void> {
    return deleteMachine(this.ctxOf(ctx), machine);
  }

  async sshPrivateKey(ctx: StepContext, _machine: Machine): Promise<string | undefined> {
    return ctx.cluster.secrets.get(SSH_KEY_SECRET);
  }

  /**
   * Each role's NSG rules for SSH and the API brought to `allowCidrs` (empty: the operator's own
   * address, looked up now, as at create): ensureFirewall PUTs an NSG whose rules differ.
   */
  async updateAccess(ctx: StepContext, allowCidrs: string[]): Promise<void> {
    const spec = { ...ctx.spec, network: { ...ctx.spec.network, allowCidrs } };
    const cidrs = await new OperatorCidrs(() => this.runtime).get(spec, ctx.signal);
    await ensureFirewall(this.ctxOf(ctx), cidrs);
  }

  destroy(ctx: StepContext): Promise<void> {
    return destroyCluster(this.ctxOf(ctx));
  }
}
