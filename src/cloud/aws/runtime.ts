/**
 * What the AWS provider takes from its surroundings: a clock, the operator's public IP lookup, and
 * hooks to adjust SDK clients. Production uses the real ones; tests and benchmarks pass their own to
 * the factory, directly or through the registry's ProviderHooks (src/cloud/registry.ts).
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

const defaults: AwsRuntime = { clock: realClock, lookupPublicIp: checkIpLookup };

/** Defaults, overridden by what the factory was given (tests and benchmarks: through the registry's hooks). */
export function resolveRuntime(override: Partial<AwsRuntime> = {}): AwsRuntime {
  return { ...defaults, ...override };
}
