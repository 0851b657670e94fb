/**
 * What the AWS provider takes from its surroundings: a clock, the operator's public IP lookup, and
 * hooks to adjust SDK clients. Production uses the real ones; tests and benchmarks pass their own to
 * the factory, or — for a ksctl subprocess — a preloaded module sets `globalThis[AWS_RUNTIME_HOOK]`
 * (test/fakes/aws/install.ts). A global symbol rather than a module-level setter, so that the hook
 * works whichever copy (src via vitest, dist via node) of this module the process loaded.
 */
import type { AwsService } from './sdk.js';

export interface Clock {
  /** Milliseconds since the epoch (fake clocks may run faster than wall time). */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface AwsRuntime {
  clock: Clock;
  /** The operator's public IPv4/IPv6 address as seen from the internet, or undefined if unknown. */
  lookupPublicIp(signal?: AbortSignal): Promise<string | undefined>;
  /** Merged into every SDK client's configuration (tests: credentials, retryStrategy). */
  clientConfig?: Record<string, unknown>;
  /** Called once per SDK client after construction (tests attach a fake transport here). */
  configureClient?(client: unknown, service: AwsService): void;
}

export const AWS_RUNTIME_HOOK = Symbol.for('ksctl.cloud.aws.runtime');

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

const CHECKIP_URL = 'https://checkip.amazonaws.com';

/** Asks checkip.amazonaws.com (5 s budget). Any failure means "unknown", never an exception. */
export async function checkIpLookup(signal?: AbortSignal): Promise<string | undefined> {
  try {
    const timeout = AbortSignal.timeout(5000);
    const res = await fetch(CHECKIP_URL, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    if (!res.ok) return undefined;
    const ip = (await res.text()).trim();
    return ip.length > 0 && ip.length < 64 ? ip : undefined;
  } catch {
    return undefined;
  }
}

const defaults: AwsRuntime = { clock: realClock, lookupPublicIp: checkIpLookup };

/** Defaults, overridden by a preloaded hook, overridden by what the factory was given. */
export function resolveRuntime(override: Partial<AwsRuntime> = {}): AwsRuntime {
  const hook = (globalThis as Record<symbol, Partial<AwsRuntime> | undefined>)[AWS_RUNTIME_HOOK] ?? {};
  return { ...defaults, ...hook, ...override };
}
