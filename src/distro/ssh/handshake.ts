/**
 * One SSH handshake over an already-open stream: host key check against the pinned keys, public key
 * login, keepalives. Retrying is the caller's business (connect.ts).
 */
import type { Duplex } from 'node:stream';
import { Client, type AnyAuthMethod, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import { interrupted } from './backoff.js';
import { restrictedAgent } from './agent.js';
import { hostKeyAlgorithms, hostKeyLine, isPinned } from './hostkey.js';
import type { SshTarget } from './types.js';

/** What a connection needs to know about its machine (a target or its bastion). */
export type SshEndpoint = Omit<SshTarget, 'bastion' | 'sudoPassword'>;

export interface HandshakeOptions {
  /** Keys to accept; empty accepts any key (the caller pins what `hostKey` reports). */
  pinned: readonly string[];
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  signal?: AbortSignal;
}

export interface Handshaken {
  client: Client;
  /** The key the server presented, `type base64`. */
  hostKey: string;
}

/** Thrown when the server's key is not one of the pinned keys; never retried. */
export class HostKeyMismatch extends Error {
  constructor(readonly presented: Buffer) {
    super('host key mismatch');
  }
}

export function handshake(sock: Duplex, ep: SshEndpoint, opts: HandshakeOptions): Promise<Handshaken> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      sock.destroy();
      return reject(interrupted(opts.signal));
    }
    const client = new Client();
    let presented: Buffer | undefined;
    let mismatch = false;
    let settled = false;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      client.removeListener('ready', onReady);
      client.removeListener('close', onClose);
      if (!err) return resolve({ client, hostKey: hostKeyLine(presented!) });
      client.destroy();
      sock.destroy();
      reject(mismatch ? new HostKeyMismatch(presented!) : err);
    };
    const onReady = (): void => settle();
    const onClose = (): void => settle(new Error('Connection lost before handshake'));
    const onAbort = (): void => settle(interrupted(opts.signal!));
    // A permanent listener: an 'error' without one would crash the process; later errors surface as 'close'.
    client.on('error', (err) => settle(err));
    client.once('ready', onReady);
    client.once('close', onClose);
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const serverHostKey = hostKeyAlgorithms(opts.pinned);
    const config: ConnectConfig = {
      sock,
      username: ep.user,
      ...credentials(ep),
      hostVerifier: (key: Buffer): boolean => {
        presented = key;
        mismatch = opts.pinned.length > 0 && !isPinned(key, opts.pinned);
        return !mismatch;
      },
      readyTimeout: opts.readyTimeoutMs,
      keepaliveInterval: opts.keepaliveIntervalMs,
      keepaliveCountMax: opts.keepaliveCountMax,
      ...(serverHostKey ? { algorithms: { serverHostKey: serverHostKey as ServerHostKeyAlgorithm[] } } : {}),
    };
    try {
      client.connect(config);
    } catch (err) {
      // Synchronous failures are configuration errors (an unparsable or encrypted key): final.
      const e = err as Error;
      settle(Object.assign(new Error(e.message), { level: 'client-config' }));
    }
  });
}

/**
 * One private key: ssh2's own order. Agent or several keys: agent keys first, then each key file, in
 * the order ssh(1) offers them (sshd counts every offer against MaxAuthTries, as with ssh).
 */
function credentials(ep: SshEndpoint): Partial<ConnectConfig> {
  if (!ep.agent && !ep.keys?.length) return { privateKey: ep.privateKey, passphrase: ep.passphrase };
  const username = ep.user;
  const files = [...(ep.privateKey ? [{ key: ep.privateKey, passphrase: ep.passphrase }] : []), ...(ep.keys ?? [])];
  const methods: AnyAuthMethod[] = [
    ...(ep.agent
      ? [{ type: 'agent' as const, username, agent: ep.agentKeys ? restrictedAgent(ep.agent, ep.agentKeys) : ep.agent }]
      : []),
    ...files.map((k) => ({
      type: 'publickey' as const,
      username,
      key: k.key,
      ...('passphrase' in k && k.passphrase ? { passphrase: k.passphrase } : {}),
    })),
  ];
  return { authHandler: methods };
}
