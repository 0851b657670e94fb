/**
 * How ksctl logs in to the user's own machines (the ssh provider), from their spec: the key files
 * (keyFile, then the OpenSSH config's IdentityFile lines, or ssh(1)'s default files when neither is
 * given) and the ssh-agent (SSH_AUTH_SOCK, or the config's IdentityAgent). Machines ksctl created get
 * the cluster's own key from their provider instead (ssh-access.ts).
 */
import os from 'node:os';
import path from 'node:path';
import type { SshEndpointSpec } from '../../api/types.js';
import { loadLogin, type KeyFile } from '../../distro/ssh/identities.js';
import type { SshLogin } from '../../distro/ssh/types.js';
import { expandHome } from '../../util/home.js';
import { registerSecret } from '../../util/redact.js';

/** ssh(1)'s default identity files that ksctl can use, tried only when no key file is configured. */
export const DEFAULT_KEY_FILES = ['.ssh/id_ed25519', '.ssh/id_ecdsa', '.ssh/id_rsa'];

export interface LoginSources {
  /** HOME and SSH_AUTH_SOCK (and any `$VAR` an IdentityAgent names). */
  env: NodeJS.ProcessEnv;
  /** The passphrase of an encrypted key file (KSCTL_SSH_KEY_PASSPHRASE, or a prompt when `ask`); undefined = none. */
  passphrase(file: string, ask: boolean): Promise<string | undefined>;
}

/** Logins from the environment alone: KSCTL_SSH_KEY_PASSPHRASE for every encrypted key, no prompt. */
export function envLogin(env: NodeJS.ProcessEnv, ask?: (file: string) => Promise<string>): LoginSources {
  const asked = new Map<string, Promise<string | undefined>>();
  return {
    env,
    passphrase(file, mayAsk) {
      const fromEnv = env.KSCTL_SSH_KEY_PASSPHRASE;
      if (fromEnv !== undefined) return Promise.resolve(registered(fromEnv));
      if (!ask || !mayAsk) return Promise.resolve(undefined);
      // One prompt per key file, however many machines use it.
      let p = asked.get(file);
      if (!p) asked.set(file, (p = ask(file).then(registered)));
      return p;
    },
  };
}

function registered(passphrase: string): string {
  registerSecret(passphrase);
  return passphrase;
}

type LoginSpec = Pick<SshEndpointSpec, 'keyFile' | 'identityFiles' | 'identitiesOnly' | 'identityAgent'>;

export function keyFilesOf(ep: LoginSpec, home: string): KeyFile[] {
  const explicit = ep.keyFile ? [{ path: expandHome(ep.keyFile, home), required: true }] : [];
  const configured = (ep.identityFiles ?? []).map((p) => ({ path: p, required: false }));
  if (explicit.length + configured.length > 0) return [...explicit, ...configured];
  return DEFAULT_KEY_FILES.map((k) => ({ path: path.join(home, k), required: false }));
}

/** The agent socket: IdentityAgent ("none", "SSH_AUTH_SOCK", "$VAR" or a path), else SSH_AUTH_SOCK. */
export function agentSocket(identityAgent: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (identityAgent === 'none') return undefined;
  if (!identityAgent || identityAgent === 'SSH_AUTH_SOCK') return env.SSH_AUTH_SOCK || undefined;
  if (identityAgent.startsWith('$')) return env[identityAgent.slice(1)] || undefined;
  return identityAgent;
}

/** Resolves logins once per distinct (files, agent, IdentitiesOnly): one agent query, one prompt per key. */
export class LoginCache {
  private readonly cache = new Map<string, Promise<SshLogin>>();

  constructor(private readonly sources: LoginSources) {}

  login(ep: LoginSpec, field: string): Promise<SshLogin> {
    const home = this.sources.env.HOME || os.homedir();
    const files = keyFilesOf(ep, home);
    const agent = agentSocket(ep.identityAgent, this.sources.env);
    const identitiesOnly = !!ep.identitiesOnly;
    const key = JSON.stringify([files, agent ?? '', identitiesOnly]);
    let p = this.cache.get(key);
    if (!p) {
      p = loadLogin({
        field,
        files,
        ...(agent ? { agent } : {}),
        identitiesOnly,
        passphrase: (f, ask) => this.sources.passphrase(f, ask),
      });
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key)); // a failure is reported by whoever awaits it; a retry asks again
    }
    return p;
  }
}
