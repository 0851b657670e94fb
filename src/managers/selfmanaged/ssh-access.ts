/**
 * How one run reaches the machines: one SSH pool (one connection per machine, reused by every step),
 * the logins to the user's own machines (key files, agent, jump hosts) and the cluster's own key for
 * machines a cloud made. Host keys are pinned in state the first time a machine answers.
 */
import type { ClusterSpec, MachineSpec, SshEndpointSpec } from '../../api/types.js';
import type { SelfManagedCloud } from '../../cloud/types.js';
import { ProviderError } from '../../errors.js';
import type { SshPool, SshSession, SshTarget } from '../../distro/ssh/types.js';
import type { StepContext } from '../../pipeline/types.js';
import type { Machine } from '../../state/types.js';
import { expandHome } from '../../util/home.js';
import { envLogin, LoginCache, type LoginSources } from './ssh-login.js';

export interface SshAccessOptions {
  /** How long to wait for a machine's SSH to answer (booting VMs). */
  sshWaitMs: number;
  /** Password for sudo on machines whose user needs one. */
  sudoPassword?: string;
  /** Where logins to the user's own machines come from (agent, passphrases). Default: this process's environment, no prompt. */
  login?: LoginSources;
}

export class SshAccess {
  private readonly logins: LoginCache;

  constructor(
    private readonly provider: SelfManagedCloud,
    readonly pool: SshPool,
    private readonly opts: SshAccessOptions,
  ) {
    this.logins = new LoginCache(opts.login ?? envLogin(process.env));
  }

  async target(ctx: StepContext, m: Machine, spec: ClusterSpec = ctx.spec): Promise<SshTarget> {
    const host = m.publicAddress ?? m.privateAddress;
    if (!host) throw new ProviderError(`machine ${m.name} has no address`);
    const own = spec.machines.findIndex((x) => x.name === m.name);
    const base = {
      name: m.name,
      host,
      port: m.sshPort,
      user: m.sshUser,
      hostKeys: m.hostKeys,
      ...(this.opts.sudoPassword ? { sudoPassword: this.opts.sudoPassword } : {}),
    };
    if (own >= 0) return { ...base, ...(await this.ownMachineLogin(spec, own)) };
    const key = await this.provider.sshPrivateKey?.(ctx, m);
    if (!key) throw new ProviderError(`no SSH private key for machine ${m.name}`);
    const bastion = spec.ssh.bastion;
    let bastionKey: string | undefined;
    if (bastion)
      bastionKey = bastion.keyFile ? (await import('node:fs')).readFileSync(expandHome(bastion.keyFile), 'utf8') : key;
    return {
      ...base,
      privateKey: key,
      ...(bastion && bastionKey ? { bastion: { ...endpointOf(bastion), privateKey: bastionKey } } : {}),
    };
  }

  /**
   * The user's own machine (spec.machines[i]): its key files and agent, and its jump host
   * (spec.ssh.bastion, else the OpenSSH config's ProxyJump), each logged in the same way.
   */
  private async ownMachineLogin(
    spec: ClusterSpec,
    i: number,
  ): Promise<Pick<SshTarget, 'keys' | 'agent' | 'agentKeys' | 'bastion'>> {
    const m: MachineSpec = spec.machines[i]!;
    const login = await this.logins.login(m, `spec.machines[${i}]`);
    const jump = spec.ssh.bastion ?? m.bastion;
    if (!jump) return login;
    const field = spec.ssh.bastion
      ? 'spec.ssh.bastion'
      : `spec.machines[${i}] (ProxyJump ${m.bastion!.sshConfigHost ?? m.bastion!.address})`;
    // A jump host given no key file of its own logs in with the machine's keyFile too (as ksctl always did).
    const ownKeys = jump.keyFile || jump.identityFiles?.length;
    const jumpLogin = await this.logins.login(ownKeys || !m.keyFile ? jump : { ...jump, keyFile: m.keyFile }, field);
    return { ...login, bastion: { ...endpointOf(jump), ...jumpLogin } };
  }

  /**
   * Checks every login of the user's own machines (key files readable, passphrases right, a key or an
   * agent key to offer) before anything is touched: bad input ends here with exit 2.
   */
  async checkLogins(spec: ClusterSpec): Promise<void> {
    for (let i = 0; i < spec.machines.length; i++) await this.ownMachineLogin(spec, i);
  }

  /** A connected session; pins the host key in state the first time a machine is reached. */
  async session(ctx: StepContext, m: Machine): Promise<SshSession> {
    const s = await this.pool.session(await this.target(ctx, m), {
      signal: ctx.signal,
      maxWaitMs: this.opts.sshWaitMs,
    });
    if (m.hostKeys.length === 0) {
      ctx.log.warn(
        `pinned host key of ${m.name} on first contact: ${s.hostKey.split(' ').slice(0, 2).join(' ').slice(0, 40)}...`,
      );
      await ctx.cluster.update((st) => {
        const cur = st.machines[m.name];
        if (cur && cur.hostKeys.length === 0) cur.hostKeys = [s.hostKey];
      });
    }
    return s;
  }

  close(): void {
    this.pool.closeAll();
  }
}

function endpointOf(b: SshEndpointSpec): Omit<SshTarget, 'bastion' | 'sudoPassword'> {
  return {
    name: `bastion ${b.sshConfigHost ?? b.address}`,
    host: b.address,
    port: b.port,
    user: b.user,
    hostKeys: b.hostKey ? [b.hostKey] : [],
  };
}
