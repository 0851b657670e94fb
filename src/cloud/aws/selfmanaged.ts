/**
 * Self-managed clusters on EC2: infrastructure steps (network, firewall, SSH key), one instance per
 * planned machine, and a destroy that sweeps by state and tag. See ARCHITECTURE.md decisions 2 and 5.
 */
import type { ClusterSpec, Role } from '../../api/types.js';
import { InputError } from '../../errors.js';
import type { Step, StepContext } from '../../pipeline/types.js';
import type { Machine } from '../../state/types.js';
import type { PlannedMachine, PlannedResource, SelfManagedCloud } from '../types.js';
import { InstanceCatalog } from './catalog.js';
import { checkCredentials, checkOfferings, checkRegion, checkVcpuQuota, selfManagedSizes } from './checks.js';
import { checkVpcCidr } from '../common/cidr.js';
import { awsCtx, ClientCache, type AwsCtx } from './context.js';
import { ensureFirewall } from './firewall.js';
import { rolesOf } from '../common/firewall-rules.js';
import { deleteMachine, ensureMachine } from './machines.js';
import { ensureNetwork } from './network.js';
import { keyPairName, securityGroupName } from './naming.js';
import { OperatorCidrs } from '../common/operator-cidr.js';
import { resolveRuntime, type AwsRuntime } from './runtime.js';
import { ensureSshKey, SSH_KEY_SECRET } from './sshkey.js';
import { destroySelfManaged } from './teardown.js';
import { machinePlanOf } from '../common/machine-plan.js';

export interface AwsProviderOptions {
  /** Clock, IP lookup and SDK client hooks; tests and benchmarks pass a fake here. */
  runtime?: Partial<AwsRuntime>;
}

const INFRA = ['infra/network', 'infra/firewall', 'infra/sshkey'];

export { machinePlanOf };

export class AwsSelfManaged implements SelfManagedCloud {
  readonly provider = 'aws' as const;
  readonly kind = 'selfmanaged' as const;
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

  private operatorCidrs(ctx: StepContext): Promise<string[]> {
    return this.cidrs.get(ctx.spec, ctx.signal);
  }

  async preflight(ctx: StepContext): Promise<void> {
    const spec = ctx.spec;
    checkVpcCidr(spec.network.cidr);
    for (const s of selfManagedSizes(spec))
      if (!s.size) throw new InputError(`${s.field} must be set for AWS`, [s.field]);
    await this.operatorCidrs(ctx);
    const cloud = this.ctxOf(ctx);
    cloud.log.debug(`AWS identity: ${await checkCredentials(cloud)}`);
    await checkRegion(cloud);
    await checkOfferings(cloud, selfManagedSizes(spec));
    const plan = machinePlanOf(spec);
    const info = await this.catalog.typeInfo(
      cloud,
      plan.map((m) => m.size),
    );
    const group = (spot: boolean) => plan.filter((m) => m.spot === spot).map((m) => ({ size: m.size, count: 1 }));
    await checkVcpuQuota(cloud, this.catalog, { onDemand: group(false), spot: group(true) });
    for (const arch of new Set([...info.values()].map((i) => i.arch))) await this.catalog.ami(cloud, arch);
  }

  plannedResources(spec: ClusterSpec): PlannedResource[] {
    return [
      { kind: 'aws:vpc', name: `ksctl-${spec.name}`, details: { cidr: spec.network.cidr } },
      { kind: 'aws:subnet', name: `ksctl-${spec.name}-<zone>`, details: { count: 'up to 3, one per zone' } },
      { kind: 'aws:internet-gateway', name: `ksctl-${spec.name}` },
      {
        kind: 'aws:route-table',
        name: `ksctl-${spec.name}`,
        details: { defaultRoute: '0.0.0.0/0 → internet gateway' },
      },
      ...rolesOf(spec).map((r) => ({ kind: 'aws:security-group', name: securityGroupName(spec, r) })),
      { kind: 'aws:key-pair', name: keyPairName(spec), details: { type: 'ed25519' } },
      ...machinePlanOf(spec).map((m) => ({
        kind: 'aws:instance',
        name: m.name,
        details: { size: m.size, role: m.role, spot: m.spot },
      })),
    ];
  }

  infraSteps(spec: ClusterSpec): Step[] {
    const sizes = machinePlanOf(spec).map((m) => m.size);
    return [
      {
        id: 'infra/network',
        title: 'Create VPC, subnets, internet gateway and routes',
        needs: [],
        target: `vpc ${spec.network.cidr}`,
        run: async (ctx) => {
          await ensureNetwork(this.ctxOf(ctx), { minZones: 1, maxZones: 3, sizes });
        },
      },
      {
        id: 'infra/firewall',
        title: 'Create security groups',
        needs: ['infra/network'],
        details: { groups: rolesOf(spec) },
        run: async (ctx) => ensureFirewall(this.ctxOf(ctx), await this.operatorCidrs(ctx)),
      },
      {
        id: 'infra/sshkey',
        title: 'Create SSH key pair',
        needs: [],
        target: keyPairName(spec),
        run: async (ctx) => ensureSshKey(this.ctxOf(ctx)),
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
    return ensureMachine(this.ctxOf(ctx), this.catalog, planned);
  }

  deleteMachine(ctx: StepContext, machine: Machine): Promise<void> {
    return deleteMachine(this.ctxOf(ctx), machine);
  }

  async sshPrivateKey(ctx: StepContext, _machine: Machine): Promise<string | undefined> {
    return ctx.cluster.secrets.get(SSH_KEY_SECRET);
  }

  /**
   * The security groups' SSH and API rules brought to `allowCidrs` (empty: the operator's own address,
   * looked up now, as at create): ensureFirewall authorizes what is missing, then revokes the rest.
   */
  async updateAccess(ctx: StepContext, allowCidrs: string[]): Promise<void> {
    const spec = { ...ctx.spec, network: { ...ctx.spec.network, allowCidrs } };
    const cidrs = await new OperatorCidrs(() => this.runtime).get(spec, ctx.signal);
    await ensureFirewall(this.ctxOf(ctx), cidrs);
  }

  destroy(ctx: StepContext): Promise<void> {
    return destroySelfManaged(this.ctxOf(ctx));
  }
}
