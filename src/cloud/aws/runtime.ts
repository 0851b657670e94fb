/**
 * What the AWS provider takes from its surroundings: a clock, the operator's public IP lookup, and
 * hooks to adjust SDK clients. Production uses the real ones; tests and benchmarks pass their own to
 * the factory, or — for a ksctl subprocess — a preloaded module sets `globalThis[AWS_RUNTIME_HOOK]`
 * (test/fakes/aws/install.ts). A global symbol rather than a module-level setter, so that the hook
 * works whichever copy (src via vitest, dist via node) of this module the process loaded.
 */
import { realClock, type Clock } from '../common/clock.js';
import { checkIpLookup } from '../common/public-ip.js';
import type { AwsService } from './sdk.js';

export { checkIpLookup, realClock, type Clock };

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

const defaults: AwsRuntime = { clock: realClock, lookupPublicIp: checkIpLookup };

/** Defaults, overridden by a preloaded hook, overridden by what the factory was given. */
export function resolveRuntime(override: Partial<AwsRuntime> = {}): AwsRuntime {
  const hook = (globalThis as Record<symbol, Partial<AwsRuntime> | undefined>)[AWS_RUNTIME_HOOK] ?? {};
  return { ...defaults, ...hook, ...override };
}
