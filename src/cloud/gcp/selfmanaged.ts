/**
 * Self-managed clusters on Compute Engine: infrastructure steps (network, firewall rules, SSH key),
 * one instance per planned machine spread over the region's zones, and a destroy that sweeps by
 * state and by label/name. See ARCHITECTURE.md decisions 2, 5 and 6.
 */
import { machinePlanOf } from '../common/machine-plan.js';
import type { ClusterSpec, Role } from '../../api/types.js';
import type { Step, StepContext } from '../../pipeline/types.js';
import type { Machine } from '../../state/types.js';
import { ensureKeyPair } from '../common/keys.js';
import { OperatorCidrs } from '../common/operator-cidr.js';
import type { PlannedMachine, PlannedResource, SelfManagedCloud } from '../types.js';
import { checkCpuQuota, checkSpecShape, usableZones, type SizeDemand } from './checks.js';
import { GcpSession, type GcpCtx } from './context.js';
import { ensureFirewalls, firewallPlan } from './firewall.js';
import { deleteMachine, ensureMachine, SSH_KEY_SECRET } from './machines.js';
import { ensureNetwork, recordedZones } from './network.js';
import { archOfMachineType, networkName, subnetName, ubuntuImage, type Arch } from './naming.js';
import { resolveRuntime, type GcpRuntime } from './runtime.js';
import { destroySelfManaged } from './teardown.js';

export interface GcpProviderOptions {
  /** Clock, IP lookup, ADC and SDK client hooks; tests pass a fake here. */
  runtime?: Partial<GcpRuntime>;
}

const INFRA = ['infra/network', 'infra/firewall', 'infra/sshkey'];

function sizeDemand(spec: ClusterSpec): SizeDemand[] {
  const fields: Record<Role, string> = {
    loadbalancer: 'spec.loadBalancer.size',
    etcd: 'spec.etcd.size',
    controlplane: 'spec.controlPlane.size',
    worker: 'spec.workers.size',
  };
  return machinePlanOf(spec).map((m) => ({ field: fields[m.role], size: m.size, count: 1 }));
}

export class GcpSelfManaged implements SelfManagedCloud {
  readonly provider = 'gcp' as const;
  readonly kind = 'selfmanaged' as const;
  private readonly session: GcpSession;
  private readonly cidrs = new OperatorCidrs(() => this.session.runtime);
  private zones: Promise<string[]> | undefined;
  private readonly images = new Map<Arch, Promise<string>>();

  constructor(opts: GcpProviderOptions = {}) {
    this.session = new GcpSession(resolveRuntime(opts.runtime));
  }

  private operatorCidrs(ctx: StepContext): Promise<string[]> {
    return this.cidrs.get(ctx.spec, ctx.signal);
  }

  /** Zones offering every size: from state when infra/network recorded them, else asked once. */
  private usable(cloud: GcpCtx): Promise<string[]> {
    const known = recordedZones(cloud);
    if (known) return Promise.resolve(known);
    if (!this.zones) {
      this.zones = usableZones(cloud, sizeDemand(cloud.spec)).then((z) => z.zones);
      this.zones.catch(() => (this.zones = undefined));
    }
    return this.zones;
  }

  /** The newest Ubuntu 24.04 image of the machine type's architecture (asked once per architecture). */
  private imageOf(cloud: GcpCtx, machineType: string): Promise<string> {
    const arch = archOfMachineType(machineType);
    let image = this.images.get(arch);
    if (!image) {
      const { project, family } = ubuntuImage(arch);
      image = cloud.api.gce.getImageFromFamily(project, family).then((i) => String(i.selfLink));
      image.catch(() => this.images.delete(arch));
      this.images.set(arch, image);
    }
    return image;
  }

  async preflight(ctx: StepContext): Promise<void> {
    const sizes = sizeDemand(ctx.spec);
    checkSpecShape(ctx.spec, sizes);
    await this.operatorCidrs(ctx);
    const cloud = await this.session.ctxOf(ctx);
    const adc = await this.session.adc();
    cloud.log.debug(`GCP project ${cloud.project}${adc.account ? ` as ${adc.account}` : ''}`);
    const { zones, cpus } = await usableZones(cloud, sizes);
    this.zones = Promise.resolve(zones);
    await checkCpuQuota(cloud, sizes, cpus);
    await Promise.all(machinePlanOf(ctx.spec).map((m) => this.imageOf(cloud, m.size)));
  }

  plannedResources(spec: ClusterSpec): PlannedResource[] {
    return [
      { kind: 'gcp:network', name: networkName(spec), details: { mode: 'custom' } },
      { kind: 'gcp:subnetwork', name: subnetName(spec), details: { cidr: spec.network.cidr, region: spec.region } },
      ...firewallPlan(spec, spec.network.allowCidrs.length ? spec.network.allowCidrs : ['<your-ip>/32']).map((f) => ({
        kind: 'gcp:firewall',
        name: f.name,
        details: { target: f.role, source: f.source, allowed: f.resource.allowed },
      })),
      ...machinePlanOf(spec).map((m) => ({
        kind: 'gcp:instance',
        name: m.name,
        details: {
          size: m.size,
          role: m.role,
          spot: m.spot,
          image: `${ubuntuImage(archOfMachineType(m.size)).project}/${ubuntuImage(archOfMachineType(m.size)).family}`,
        },
      })),
    ];
  }

  infraSteps(spec: ClusterSpec): Step[] {
    return [
      {
        id: 'infra/network',
        title: 'Create VPC network and subnetwork',
        needs: [],
        target: `${networkName(spec)} ${spec.network.cidr}`,
        run: async (ctx) => {
          const cloud = await this.session.ctxOf(ctx);
          await ensureNetwork(cloud, await this.usable(cloud));
        },
      },
      {
        id: 'infra/firewall',
        title: 'Create firewall rules',
        needs: ['infra/network'],
        run: async (ctx) => ensureFirewalls(await this.session.ctxOf(ctx), await this.operatorCidrs(ctx)),
      },
      {
        id: 'infra/sshkey',
        title: 'Generate SSH key',
        needs: [],
        target: SSH_KEY_SECRET,
        // GCE has no key-pair resource: the public half goes into each instance's ssh-keys metadata.
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

  async ensureMachine(ctx: StepContext, planned: PlannedMachine): Promise<Machine> {
    const cloud = await this.session.ctxOf(ctx);
    return ensureMachine(cloud, planned, await this.usable(cloud), () => this.imageOf(cloud, planned.size));
  }

  async deleteMachine(ctx: StepContext, machine: Machine): Promise<void> {
    return deleteMachine(await this.session.ctxOf(ctx), machine);
  }

  async sshPrivateKey(ctx: StepContext, _machine: Machine): Promise<string | undefined> {
    return ctx.cluster.secrets.get(SSH_KEY_SECRET);
  }

  /**
   * The operator rules' sourceRanges brought to `allowCidrs` (empty: the operator's own address,
   * looked up now, as at create): ensureFirewalls patches a rule whose sources differ.
   */
  async updateAccess(ctx: StepContext, allowCidrs: string[]): Promise<void> {
    const spec = { ...ctx.spec, network: { ...ctx.spec.network, allowCidrs } };
    const cidrs = await new OperatorCidrs(() => this.session.runtime).get(spec, ctx.signal);
    await ensureFirewalls(await this.session.ctxOf(ctx), cidrs);
  }

  async destroy(ctx: StepContext): Promise<void> {
    return destroySelfManaged(await this.session.ctxOf(ctx));
  }
}
