/**
 * The GCP providers, for the registry (src/cloud/registry.ts):
 *
 *   registerProvider('gcp', 'selfmanaged', async () => (await import('./gcp/index.js')).createGcpSelfManaged());
 *   registerProvider('gcp', 'managed', async () => (await import('./gcp/index.js')).createGcpManaged());
 *
 * Importing this module loads no Google Cloud SDK: each client is `await import()`ed by deep path
 * (e.g. `@google-cloud/compute/build/src/v1/instances_client.js`) on its first call.
 */
import { GcpManaged } from './managed.js';
import { GcpSelfManaged, type GcpProviderOptions } from './selfmanaged.js';

export type { GcpProviderOptions } from './selfmanaged.js';
export type { AdcInfo, GcpRuntime } from './runtime.js';

export function createGcpSelfManaged(opts: GcpProviderOptions = {}): GcpSelfManaged {
  return new GcpSelfManaged(opts);
}

export function createGcpManaged(opts: GcpProviderOptions = {}): GcpManaged {
  return new GcpManaged(opts);
}
