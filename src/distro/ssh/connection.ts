/**
 * One machine's SSH connection: connected on first use, shared by every exec and transfer, and
 * re-established on the next call after it drops. The host key it learns is pinned for reconnects
 * when the caller pinned nothing.
 */
import type { Client } from 'ssh2';
import { ProviderError } from '../../errors.js';
import type { Logger } from '../../util/log.js';
import { connectWithRetry, describeAddress, type ConnectRequest, type ConnectTuning } from './connect.js';
import type { SshEndpoint } from './handshake.js';
import { fingerprint } from './hostkey.js';
import { Slots } from './slots.js';
import { backoffDelay, sleep } from './backoff.js';

/** How long to retry a channel that sshd refused (MaxSessions momentarily reached). */
const CHANNEL_RETRY_MS = 5000;

export interface ConnectionOptions {
  tuning: ConnectTuning;
  logger: Logger;
  /** Concurrent channels (execs, SFTP) on this connection. */
  maxChannels: number;
  via?: ConnectRequest['via'];
}

export class Connection {
  /** The key the server presented on the last successful connect. */
  hostKey = '';
  private client: Client | undefined;
  private pending: Promise<Client> | undefined;
  private readonly slots: Slots;
  private readonly closing = new AbortController();

  constructor(
    readonly endpoint: SshEndpoint,
    private readonly opts: ConnectionOptions,
  ) {
    this.slots = new Slots(opts.maxChannels);
  }

  get address(): string {
    return describeAddress(this.endpoint, this.opts.via);
  }

  /** A connected client: the current one, or a new connection (retried while the machine boots). */
  get(signal?: AbortSignal, maxWaitMs?: number): Promise<Client> {
    if (this.closing.signal.aborted) {
      return Promise.reject(new ProviderError(`the SSH session to machine "${this.endpoint.name}" was closed`));
    }
    if (this.client) return Promise.resolve(this.client);
    this.pending ??= this.connect(signal, maxWaitMs).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /**
   * Runs `use` on a channel that `open` creates, holding one of the connection's channel slots. When
   * opening fails because the connection died under us, the command never started: reconnect, retry once.
   */
  async withChannel<C, T>(
    signal: AbortSignal | undefined,
    open: (client: Client) => Promise<C>,
    use: (channel: C) => Promise<T>,
  ): Promise<T> {
    await this.slots.acquire(signal);
    try {
      return await use(await this.openChannel(signal, open));
    } finally {
      this.slots.release();
    }
  }

  /**
   * Opening fails in two harmless ways, and the command has not started in either: the connection died
   * under us (reconnect, once), or sshd still counts a session we just closed against MaxSessions (it
   * frees it a moment later; retry briefly).
   */
  private async openChannel<C>(signal: AbortSignal | undefined, open: (client: Client) => Promise<C>): Promise<C> {
    const started = Date.now();
    let reconnected = false;
    for (let attempt = 0; ; attempt++) {
      const client = await this.get(signal);
      try {
        return await open(client);
      } catch (err) {
        const text = String(err);
        const dropped = this.client !== client || /Not connected|No response from server/i.test(text);
        if (dropped && !reconnected) {
          this.opts.logger.debug(`connection dropped (${text}); reconnecting`);
          this.drop(client);
          reconnected = true;
          continue;
        }
        if (!dropped && /Channel open failure/i.test(text) && Date.now() - started < CHANNEL_RETRY_MS) {
          await sleep(backoffDelay(attempt, { initialMs: 10, maxMs: 200 }), signal);
          continue;
        }
        throw new ProviderError(`machine "${this.endpoint.name}": cannot open an SSH channel: ${text}`, { cause: err });
      }
    }
  }

  /** Ends the connection for good; pending connects are abandoned. */
  end(): void {
    this.closing.abort(new ProviderError(`the SSH session to machine "${this.endpoint.name}" was closed`));
    if (this.client) this.drop(this.client);
  }

  private drop(client: Client): void {
    if (this.client === client) this.client = undefined;
    client.end();
  }

  private async connect(signal: AbortSignal | undefined, maxWaitMs: number | undefined): Promise<Client> {
    const { logger, tuning } = this.opts;
    const pinned = this.endpoint.hostKeys.length > 0 ? this.endpoint.hostKeys : this.hostKey ? [this.hostKey] : [];
    const { client, hostKey } = await connectWithRetry({
      endpoint: this.endpoint,
      pinned,
      via: this.opts.via,
      tuning: maxWaitMs === undefined ? tuning : { ...tuning, maxWaitMs },
      signal: signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal,
      logger,
    });
    if (pinned.length === 0) {
      logger.info(`machine "${this.endpoint.name}" presented host key ${fingerprint(hostKey)} (not pinned yet)`);
    }
    this.hostKey = hostKey;
    client.on('error', (err) => logger.debug(`connection error: ${err.message}`));
    client.on('close', () => {
      if (this.client === client) this.client = undefined;
      logger.debug('connection closed');
    });
    if (this.closing.signal.aborted) {
      client.end();
      throw this.closing.signal.reason;
    }
    this.client = client;
    return client;
  }
}
