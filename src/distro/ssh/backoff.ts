/**
 * Waiting for a machine that is still booting: which connection errors are worth another try, and
 * how long to wait between tries (exponential backoff with jitter, every wait abortable).
 */
import { InterruptedError, KsctlError } from '../../errors.js';

export interface BackoffOptions {
  /** First delay in ms. @default 100 */
  initialMs?: number;
  /** Largest delay in ms. @default 5000 */
  maxMs?: number;
}

/** Delay before retry number `attempt` (0-based): base·2^n with "equal jitter" (between half and all of it). */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = opts.initialMs ?? 100;
  const max = opts.maxMs ?? 5000;
  const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (random() * base) / 2);
}

/** Resolves after `ms`, or rejects with InterruptedError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(interrupted(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(interrupted(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function interrupted(signal: AbortSignal): InterruptedError {
  const reason: unknown = signal.reason;
  if (reason instanceof InterruptedError) return reason;
  return new InterruptedError('interrupted while talking to the machine over SSH', { cause: reason });
}

const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * True for errors a booting machine produces: nothing listening yet, no route yet, a reset or a
 * handshake that stalls while sshd starts. Authentication failures and host key mismatches are final.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof KsctlError || !(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; level?: unknown };
  if (typeof e.code === 'string' && RETRYABLE_CODES.has(e.code)) return true;
  if (e.level === 'client-timeout') return true; // "Timed out while waiting for handshake"
  // sshd dropping us before the banner (starting up, MaxStartups) or a bastion that cannot reach the target yet.
  return /Connection lost before handshake|Not connected|No response from server|Connection refused|No route to host|Connection timed out|Network is unreachable/i.test(
    e.message,
  );
}

/** "1.5s", "30s", "5m", "2m30s": how long we waited, for messages. */
export function formatDuration(ms: number): string {
  if (ms < 10_000 && ms % 1000 !== 0) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return s % 60 === 0 ? `${s / 60}m` : `${Math.floor(s / 60)}m${s % 60}s`;
}
