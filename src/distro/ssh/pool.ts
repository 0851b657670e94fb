/**
 * The SshPool: one connection per machine (name, host, port, user), one per bastion shared by every
 * machine behind it, all ended by closeAll().
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../util/log.js';
import { silentLogger } from '../../util/log.js';
import type { BackoffOptions } from './backoff.js';
import type { ConnectRequest, ConnectTuning } from './connect.js';
import { Connection } from './connection.js';
import type { SshEndpoint } from './handshake.js';
import { PooledSession } from './session.js';
import type { SshPool, SshSession, SshTarget } from './types.js';

export interface SshPoolOptions {
  /** Receives connection events and, at debug level, every command's first line and output (redacted). */
  logger?: Logger;
  /** How long to keep trying while a machine boots. @default 300000 (5 min) */
  maxWaitMs?: number;
  /** Upper bound for one TCP connect and one handshake. @default 20000 */
  attemptTimeoutMs?: number;
  /** SSH keepalive interval. @default 15000 */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection counts as dropped. @default 4 */
  keepaliveCountMax?: number;
  /** Delays between connect attempts. @default { initialMs: 100, maxMs: 5000 } */
  backoff?: BackoffOptions;
  /** Concurrent channels per connection (sshd's MaxSessions defaults to 10). @default 8 */
  maxChannels?: number;
}

export class Ssh2Pool implements SshPool {
  private readonly sessions = new Map<string, { digest: string; session: PooledSession }>();
  private readonly bastions = new Map<string, { digest: string; connection: Connection }>();
  private readonly tuning: ConnectTuning;
  private readonly logger: Logger;
  private readonly maxChannels: number;

  constructor(opts: SshPoolOptions = {}) {
    this.logger = opts.logger ?? silentLogger;
    this.maxChannels = opts.maxChannels ?? 8;
    this.tuning = {
      maxWaitMs: opts.maxWaitMs ?? 300_000,
      attemptTimeoutMs: opts.attemptTimeoutMs ?? 20_000,
      keepaliveIntervalMs: opts.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: opts.keepaliveCountMax ?? 4,
      backoff: opts.backoff ?? {},
    };
  }

  /** The machine's session, connected (waiting up to maxWaitMs while it boots). */
  async session(target: SshTarget, opts: { signal?: AbortSignal; maxWaitMs?: number } = {}): Promise<SshSession> {
    const key = keyOf(target);
    const digest = digestOf(target);
    let entry = this.sessions.get(key);
    if (entry && entry.digest !== digest) {
      entry.session.connection.end(); // new keys or host keys: the old connection must not be reused
      entry = undefined;
    }
    if (!entry) {
      const logger = this.logger.child(target.name);
      const via = target.bastion ? this.bastionVia(target.bastion) : undefined;
      const connection = new Connection(target, { tuning: this.tuning, logger, maxChannels: this.maxChannels, via });
      const session: PooledSession = new PooledSession(target, connection, logger, () => {
        if (this.sessions.get(key)?.session === session) this.sessions.delete(key);
      });
      entry = { digest, session };
      this.sessions.set(key, entry);
    }
    await entry.session.connection.get(opts.signal, opts.maxWaitMs);
    return entry.session;
  }

  /** Ends every connection (bastions last); nothing keeps the process alive afterwards. */
  closeAll(): void {
    for (const { session } of this.sessions.values()) session.connection.end();
    for (const { connection } of this.bastions.values()) connection.end();
    this.sessions.clear();
    this.bastions.clear();
  }

  private bastionVia(bastion: SshEndpoint): NonNullable<ConnectRequest['via']> {
    const key = keyOf(bastion);
    const digest = digestOf(bastion);
    let entry = this.bastions.get(key);
    if (!entry || entry.digest !== digest) {
      entry?.connection.end();
      const connection = new Connection(bastion, {
        tuning: this.tuning,
        logger: this.logger.child(`${bastion.name} (bastion)`),
        maxChannels: this.maxChannels,
      });
      entry = { digest, connection };
      this.bastions.set(key, entry);
    }
    const { connection } = entry;
    return {
      name: bastion.name,
      address: connection.address,
      get: (signal, maxWaitMs) => connection.get(signal, maxWaitMs),
    };
  }
}

function keyOf(t: SshEndpoint): string {
  return `${t.name}\0${t.host}\0${t.port}\0${t.user}`;
}

/** Everything else that decides whether an existing connection may serve this target. */
function digestOf(t: SshTarget | SshEndpoint): string {
  const b = 'bastion' in t && t.bastion ? digestOf(t.bastion) : '';
  const keys = (t.keys ?? []).map((k) => `${k.file}:${k.key.getPublicSSH().toString('base64')}`);
  const login = JSON.stringify([keys, t.agent ?? '', t.agentKeys ?? []]);
  const parts = [
    t.privateKey ?? '',
    t.passphrase ?? '',
    login,
    [...t.hostKeys].sort().join('\n'),
    'sudoPassword' in t ? (t.sudoPassword ?? '') : '',
    b,
  ];
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}
