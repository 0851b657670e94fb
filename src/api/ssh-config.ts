/**
 * What an OpenSSH client config (`~/.ssh/config`) says about a machine, merged into its spec the way
 * ssh(1) would: the machine's `address` is looked up as a Host (alias or pattern), and HostName, User,
 * Port, IdentityFile, IdentitiesOnly, IdentityAgent and ProxyJump fill what the spec leaves unset.
 *
 * Precedence, per field: the cluster file's explicit value > the config's first obtained value (its
 * own rule: first match wins, IdentityFile accumulates) > ksctl's default (port 22, user root).
 * Pure: the config was read by ssh-config-file.ts and arrives here as a lookup function.
 */
import path from 'node:path';
import { InputError } from '../errors.js';
import type { SshEndpointSpec, SshLoginSpec } from './types.js';

/** The config's directives for one host, names lower-cased (ssh-config's `compute`). */
export type SshConfigLookup = (host: string) => Record<string, string | string[]>;

/** The local context `%` tokens and `~` expand against. */
export interface LocalUser {
  home: string;
  name: string;
}

/** What the spec gave for one connection (machine or bastion) before the config is applied. */
export interface GivenEndpoint {
  address: string;
  port?: number;
  user?: string;
  keyFile?: string;
}

export type ResolvedEndpoint = Required<Pick<SshEndpointSpec, 'address' | 'port' | 'user'>> &
  SshLoginSpec & { proxyJump?: string };

/** ProxyJump chains longer than this are refused: the executor jumps through one host. */
const MAX_HOPS = 1;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** `~/` and the `%` tokens ssh_config(5) defines for IdentityFile and IdentityAgent (the ones that make sense here). */
export function expandTokens(
  value: string,
  t: { alias: string; host: string; user: string; port: number; local: LocalUser },
): string {
  const tilde = value === '~' ? t.local.home : value.startsWith('~/') ? path.join(t.local.home, value.slice(2)) : value;
  return tilde.replace(/%([%dhnpru])/g, (_m, c: string) => {
    switch (c) {
      case '%':
        return '%';
      case 'd':
        return t.local.home;
      case 'h':
        return t.host;
      case 'n':
        return t.alias;
      case 'p':
        return String(t.port);
      case 'r':
        return t.user;
      default:
        return t.local.name; // %u
    }
  });
}

/**
 * The endpoint after the config: `field` names the spec path in errors. Throws InputError for what
 * ksctl cannot honour rather than connecting some other way than ssh(1) would.
 */
export function resolveEndpoint(
  given: GivenEndpoint,
  lookup: SshConfigLookup | undefined,
  local: LocalUser,
  field: string,
): ResolvedEndpoint {
  const c = lookup?.(given.address) ?? {};
  const alias = given.address;
  const hostName = first(c.hostname);
  const host = hostName ? hostName.replace(/%h/g, alias).replace(/%%/g, '%') : alias;
  const port = given.port ?? parsePort(first(c.port), field);
  const user = given.user ?? first(c.user) ?? 'root';
  const t = { alias, host, user, port, local };
  const proxyCommand = first(c.proxycommand);
  if (proxyCommand && proxyCommand.toLowerCase() !== 'none') {
    throw new InputError(
      `${field}: the SSH config gives Host ${alias} a ProxyCommand, which ksctl does not run`,
      [field],
      {
        hint: 'use ProxyJump (or spec.ssh.bastion) for a jump host',
      },
    );
  }
  const files = ([] as string[]).concat(c.identityfile ?? []).filter((f) => f.toLowerCase() !== 'none');
  const identitiesOnly = first(c.identitiesonly)?.toLowerCase() === 'yes';
  const agent = first(c.identityagent);
  const jump = first(c.proxyjump);
  return {
    address: host,
    port,
    user,
    ...(hostName ? { sshConfigHost: alias } : {}),
    ...(files.length > 0 ? { identityFiles: [...new Set(files.map((f) => path.resolve(expandTokens(f, t))))] } : {}),
    ...(identitiesOnly ? { identitiesOnly } : {}),
    ...(agent
      ? {
          identityAgent:
            agent === 'none' || agent === 'SSH_AUTH_SOCK' || agent.startsWith('$')
              ? agent
              : path.resolve(expandTokens(agent, t)),
        }
      : {}),
    ...(jump && jump.toLowerCase() !== 'none' ? { proxyJump: jump } : {}),
  };
}

function parsePort(v: string | undefined, field: string): number {
  if (v === undefined) return 22;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InputError(`${field}: the SSH config's Port "${v}" is not 1-65535`, [field]);
  return n;
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]`, one hop. */
export function parseJump(spec: string, field: string): GivenEndpoint {
  const hops = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (hops.length > MAX_HOPS) {
    throw new InputError(`${field}: ProxyJump ${spec} has ${hops.length} hops; ksctl jumps through one host`, [field], {
      hint: 'point ProxyJump at the last jump host, or reach it through spec.ssh.bastion',
    });
  }
  const m = /^(?:ssh:\/\/)?(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hops[0] ?? '');
  if (!m) throw new InputError(`${field}: ProxyJump "${spec}" is not [user@]host[:port]`, [field]);
  return {
    address: m[2]!.replace(/^\[|\]$/g, ''),
    ...(m[1] ? { user: m[1] } : {}),
    ...(m[3] ? { port: Number(m[3]) } : {}),
  };
}

/**
 * A machine's or bastion's endpoint with its jump host: ProxyJump names another Host, itself resolved
 * through the config (as `ssh -J` does); the user and port written in ProxyJump win over that Host's.
 */
export function resolveWithJump(
  given: GivenEndpoint,
  lookup: SshConfigLookup | undefined,
  local: LocalUser,
  field: string,
): ResolvedEndpoint & { bastion?: SshEndpointSpec } {
  const { proxyJump, ...own } = resolveEndpoint(given, lookup, local, field);
  if (!proxyJump) return own;
  const { proxyJump: next, ...jump } = resolveEndpoint(parseJump(proxyJump, field), lookup, local, field);
  if (next) {
    throw new InputError(
      `${field}: its jump host ${jump.sshConfigHost ?? jump.address} has a ProxyJump of its own; ksctl jumps through one host`,
      [field],
    );
  }
  return { ...own, bastion: jump };
}
