/**
 * Connecting to a machine that may still be booting: one attempt = open the stream (TCP with
 * TCP_NODELAY, or a channel through the bastion) + handshake; failed attempts that a booting machine
 * explains are retried with backoff until `maxWaitMs` is spent. Everything else fails at once.
 */
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { InterruptedError, ProviderError } from '../../errors.js';
import type { Logger } from '../../util/log.js';
import { backoffDelay, formatDuration, interrupted, isRetryable, sleep, type BackoffOptions } from './backoff.js';
import { handshake, HostKeyMismatch, type Handshaken, type SshEndpoint } from './handshake.js';
import { fingerprint } from './hostkey.js';
import { forwardThrough, openTcp } from './socket.js';

export interface ConnectTuning {
  /** Total time to keep trying. @default 300000 (5 min) */
  maxWaitMs: number;
  /** Upper bound for one TCP connect and for one handshake. @default 20000 */
  attemptTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  backoff: BackoffOptions;
}

export interface ConnectRequest {
  endpoint: SshEndpoint;
  pinned: readonly string[];
  /** Gives a connected bastion client when the target sits behind one. */
  via?: { name: string; address: string; get(signal: AbortSignal | undefined, maxWaitMs: number): Promise<Client> };
  tuning: ConnectTuning;
  signal?: AbortSignal;
  logger: Logger;
}

/** `10.0.0.5:22`, or `10.0.0.5:22 via bastion "b" (1.2.3.4:22)`. */
export function describeAddress(ep: SshEndpoint, via?: ConnectRequest['via']): string {
  const own = `${ep.host}:${ep.port}`;
  return via ? `${own} via bastion "${via.name}" (${via.address})` : own;
}

export async function connectWithRetry(req: ConnectRequest): Promise<Handshaken> {
  const { endpoint: ep, tuning, signal, logger } = req;
  const where = `machine "${ep.name}" (${describeAddress(ep, req.via)})`;
  const started = Date.now();
  const deadline = started + tuning.maxWaitMs;
  let last: unknown;
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw interrupted(signal);
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new ProviderError(
        `${where} did not answer SSH within ${formatDuration(tuning.maxWaitMs)}: ${message(last)}`,
        {
          cause: last,
          hint: 'check that the machine is running, that sshd listens on that port and that a firewall lets you in',
        },
      );
    }
    try {
      const stream = await openStream(req, Math.min(tuning.attemptTimeoutMs, remaining), remaining);
      const done = await handshake(stream, ep, {
        pinned: req.pinned,
        readyTimeoutMs: Math.max(1, Math.min(tuning.attemptTimeoutMs, deadline - Date.now())),
        keepaliveIntervalMs: tuning.keepaliveIntervalMs,
        keepaliveCountMax: tuning.keepaliveCountMax,
        signal,
      });
      logger.debug(
        `connected to ${describeAddress(ep, req.via)} in ${Date.now() - started} ms (attempt ${attempt + 1})`,
      );
      return done;
    } catch (err) {
      if (err instanceof InterruptedError) throw err;
      if (!isRetryable(err)) throw finalError(where, ep, req.pinned, err);
      last = err;
      const delay = Math.min(backoffDelay(attempt, tuning.backoff), Math.max(0, deadline - Date.now()));
      logger.debug(`${where} not reachable yet (${message(err)}); retrying in ${delay} ms`);
      await sleep(delay, signal);
    }
  }
}

/** A stream to the machine; a bastion that is itself still booting may take all of `remainingMs`. */
function openStream(req: ConnectRequest, timeoutMs: number, remainingMs: number): Promise<Duplex> {
  const { endpoint: ep, via, signal } = req;
  if (!via) return openTcp(ep.host, ep.port, timeoutMs, signal);
  return via.get(signal, remainingMs).then((client) => forwardThrough(client, ep.host, ep.port, timeoutMs, signal));
}

function finalError(where: string, ep: SshEndpoint, pinned: readonly string[], err: unknown): Error {
  if (err instanceof HostKeyMismatch) {
    const expected = pinned.map((k) => fingerprint(k)).join(' or ');
    return new ProviderError(
      `${where} presented host key ${fingerprint(err.presented)}, but the pinned key is ${expected}; refusing to connect`,
      {
        hint:
          'if the machine was rebuilt, update its pinned host key (hostKeys in the cluster state or spec) to the new key; ' +
          'otherwise someone may be intercepting the connection',
      },
    );
  }
  if (err instanceof ProviderError || err instanceof InterruptedError) return err; // e.g. the bastion's own failure
  const level = (err as { level?: unknown }).level;
  if (level === 'client-authentication') {
    return new ProviderError(`${where} refused SSH login as "${ep.user}": ${message(err)}`, {
      cause: err,
      hint: 'check the user name and that the public key of the configured private key is in its authorized_keys',
    });
  }
  if (level === 'client-config') {
    return new ProviderError(`SSH settings for machine "${ep.name}" are unusable: ${message(err)}`, {
      cause: err,
      hint: 'check the private key (and its passphrase)',
    });
  }
  return new ProviderError(`${where}: SSH connection failed: ${message(err)}`, { cause: err });
}

function message(err: unknown): string {
  if (err === undefined) return 'no attempt finished';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- whatever was thrown: String() is the last resort
  return err instanceof Error ? err.message : String(err);
}
