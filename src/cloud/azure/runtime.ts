/**
 * What the Azure provider takes from its surroundings: the operator's public IP lookup, the token
 * credential, SDK client options (tests pass a fake `httpClient` here, so the real ARM request
 * building, retry policy and LRO polling run against it), the LRO poll interval and the environment.
 * Tests pass theirs to the factory, directly or through the registry's ProviderHooks.
 */
import type { TokenCredential } from '@azure/core-auth';
import { checkIpLookup } from '../common/public-ip.js';

export interface AzureRuntime {
  /** The operator's public address as seen from the internet, or undefined if unknown. */
  lookupPublicIp(signal?: AbortSignal): Promise<string | undefined>;
  /** Used instead of DefaultAzureCredential (tests: a fake that never touches real Azure auth). */
  credential?: TokenCredential;
  /** Merged into every SDK client's options (tests: `httpClient`, `retryOptions`). */
  clientOptions?: Record<string, unknown>;
  /** LRO poll interval of the SDK's pollers (deletes, AKS); undefined lets the SDK decide (Retry-After, else 2 s). */
  pollIntervalMs?: number;
  /** Tick of the watcher that waits for VMs and network resources together (provisioning-watch.ts); default WATCH_INTERVAL_MS. */
  watchIntervalMs?: number;
  /** Upper bound for one long-running operation (create VM, AKS cluster, group delete). */
  lroTimeoutMs: number;
  /** Where AZURE_SUBSCRIPTION_ID is read from. */
  env: Record<string, string | undefined>;
}

/**
 * The watcher lists each watched type once per tick for every machine, so its cost does not grow
 * with the cluster (≤ 3 lists per tick: ≤ 6 reads/s against ARM's refill of 25/s per subscription);
 * a resource is seen done a quarter second late on average, and a machine waits on three in a row.
 */
export const WATCH_INTERVAL_MS = 500;
/** What the SDK's pollers wait between polls when ARM sends no Retry-After (core-lro's default). */
export const SDK_POLL_INTERVAL_MS = 2000;

const defaults: AzureRuntime = { lookupPublicIp: checkIpLookup, lroTimeoutMs: 30 * 60_000, env: process.env };

/** Defaults, overridden by what the factory was given (tests and benchmarks: through the registry's hooks). */
export function resolveRuntime(override: Partial<AzureRuntime> = {}): AzureRuntime {
  return { ...defaults, ...override };
}
