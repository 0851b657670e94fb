/**
 * Waiting on cloud conditions: poll with exponential backoff and jitter on the provider's clock,
 * bounded by a timeout, abortable, with a progress line every so often. No fixed sleeps.
 */
import { InterruptedError, ProviderError } from '../../errors.js';
import type { Logger } from '../../util/log.js';
import type { Clock } from './clock.js';

export interface WaitOptions {
  clock: Clock;
  signal: AbortSignal;
  timeoutMs: number;
  /** First poll interval (default 2 s), growing ×1.5 to `maxIntervalMs` (default 15 s). */
  initialIntervalMs?: number;
  maxIntervalMs?: number;
  log?: Logger;
  /** Log "still waiting" at most this often (default 60 s). */
  progressEveryMs?: number;
}

/**
 * Calls `probe` until it returns a value other than undefined. `probe` may throw to fail fast.
 * `what` names the condition in progress lines and the timeout error.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const { clock, signal } = opts;
  const start = clock.now();
  let interval = opts.initialIntervalMs ?? 2000;
  const max = opts.maxIntervalMs ?? 15000;
  const every = opts.progressEveryMs ?? 60000;
  let lastProgress = start;
  for (;;) {
    if (signal.aborted) throw new InterruptedError(`interrupted while waiting for ${what}`);
    const value = await probe();
    if (value !== undefined) return value;
    const now = clock.now();
    if (now - start >= opts.timeoutMs) {
      throw new ProviderError(`timed out after ${Math.round((now - start) / 1000)}s waiting for ${what}`);
    }
    if (opts.log && now - lastProgress >= every) {
      opts.log.info(`still waiting for ${what} (${Math.round((now - start) / 1000)}s)`);
      lastProgress = now;
    }
    const jittered = interval * (0.8 + Math.random() * 0.4);
    try {
      await clock.sleep(Math.min(jittered, Math.max(1, start + opts.timeoutMs - now)), signal);
    } catch {
      throw new InterruptedError(`interrupted while waiting for ${what}`);
    }
    interval = Math.min(max, interval * 1.5);
  }
}
