/**
 * What the bootstrap steps share during one run: the provider, the distribution controller, one SSH
 * pool (one connection per machine, reused by every step), and the topology read from state as
 * machines come up.
 */
import type { ClusterSpec, Role } from '../../api/types.js';
import type { SelfManagedCloud } from '../../cloud/types.js';
import { ProviderError } from '../../errors.js';
import type { DistroController, Topology } from '../../distro/controllers/types.js';
import { runScript } from '../../distro/runner.js';
import type { Script } from '../../distro/scripts/types.js';
import type { SshPool, SshSession, SshTarget } from '../../distro/ssh/types.js';
import type { StepContext } from '../../pipeline/types.js';
import type { Machine } from '../../state/types.js';

export interface RuntimeOptions {
  /** How long to wait for a machine's SSH to answer (booting VMs). */
  sshWaitMs: number;
  /** Password for sudo on machines whose user needs one. */
  sudoPassword?: string;
}

/**
 * Machine names in natural order (w-2 before w-10). One collator: `localeCompare` with a locale
 * builds one per call, and every step reads the topology (100 workers: ~70,000 compares, ~0.8 s CPU).
 */
const byName = new Intl.Collator('en', { numeric: true }).compare;

export class BootstrapRuntime {
  private secretEnvCache: Record<string, string> | undefined;

  constructor(
    readonly provider: SelfManagedCloud,
    readonly distro: DistroController,
    readonly pool: SshPool,
    private readonly opts: RuntimeOptions,
  ) {}

  machine(ctx: StepContext, name: string): Machine {
    const m = ctx.cluster.state?.machines[name];
    if (!m) throw new ProviderError(`machine ${name} is not in state yet`);
    return m;
  }

  /** The machines of one role that are in state (not being removed), in name order. */
  machinesOf(ctx: StepContext, role: Role): Machine[] {
    return Object.values(ctx.cluster.state?.machines ?? {})
      .filter((m) => m.status !== 'removing' && m.role === role)
      .sort((a, b) => byName(a.name, b.name));
  }

  /** The whole cluster; throws until the load balancer's machine is in state. */
  topology(ctx: StepContext): Topology {
    const byRole = (r: Role) => this.machinesOf(ctx, r);
    const lb = byRole('loadbalancer')[0];
    if (!lb) throw new ProviderError('the load balancer machine is not in state yet');
    return { spec: ctx.spec, loadBalancer: lb, etcd: byRole('etcd'), controlPlanes: byRole('controlplane'), workers: byRole('worker') };
  }

  async target(ctx: StepContext, m: Machine, spec: ClusterSpec = ctx.spec): Promise<SshTarget> {
    const key = await this.provider.sshPrivateKey?.(ctx, m);
    if (!key) throw new ProviderError(`no SSH private key for machine ${m.name}`);
    const bastion = spec.ssh.bastion;
    let bastionKey: string | undefined;
    if (bastion) bastionKey = bastion.keyFile ? (await import('node:fs')).readFileSync(expandHome(bastion.keyFile), 'utf8') : key;
    const host = m.publicAddress ?? m.privateAddress;
    if (!host) throw new ProviderError(`machine ${m.name} has no address`);
    return {
      name: m.name,
      host,
      port: m.sshPort,
      user: m.sshUser,
      privateKey: key,
      hostKeys: m.hostKeys,
      ...(this.opts.sudoPassword ? { sudoPassword: this.opts.sudoPassword } : {}),
      ...(bastion && bastionKey
        ? { bastion: { name: `bastion ${bastion.address}`, host: bastion.address, port: bastion.port, user: bastion.user, privateKey: bastionKey, hostKeys: bastion.hostKey ? [bastion.hostKey] : [] } }
        : {}),
    };
  }

  /** A connected session; pins the host key in state the first time a machine is reached. */
  async session(ctx: StepContext, m: Machine): Promise<SshSession> {
    const s = await this.pool.session(await this.target(ctx, m), { signal: ctx.signal, maxWaitMs: this.opts.sshWaitMs });
    if (m.hostKeys.length === 0) {
      ctx.log.warn(`pinned host key of ${m.name} on first contact: ${s.hostKey.split(' ').slice(0, 2).join(' ').slice(0, 40)}...`);
      await ctx.cluster.update((st) => {
        const cur = st.machines[m.name];
        if (cur && cur.hostKeys.length === 0) cur.hostKeys = [s.hostKey];
      });
    }
    return s;
  }

  async secretEnv(ctx: StepContext): Promise<Record<string, string>> {
    this.secretEnvCache ??= await this.distro.secretEnv(ctx.cluster.secrets);
    return this.secretEnvCache;
  }

  /** Runs scripts in order on one machine, streaming lines to the log; returns each script's stdout. */
  async run(ctx: StepContext, m: Machine, scripts: Script[]): Promise<string[]> {
    const session = await this.session(ctx, m);
    const secretEnv = scripts.some((s) => s.secretEnv?.length) ? await this.secretEnv(ctx) : {};
    const log = ctx.log.child(m.name);
    const outputs: string[] = [];
    for (const script of scripts) {
      log.info(`running ${script.name}: ${script.description}`);
      const out = await runScript(session, script, {
        secrets: ctx.cluster.secrets,
        ...(ctx.spec.airgap.dir ? { airgapDir: expandHome(ctx.spec.airgap.dir) } : {}),
        secretEnv,
        signal: ctx.signal,
        onLine: (l) => log.info(l),
      });
      outputs.push(out);
    }
    return outputs;
  }
}

export function expandHome(p: string): string {
  return p.startsWith('~/') ? `${process.env.HOME ?? ''}/${p.slice(2)}` : p;
}
