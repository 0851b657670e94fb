/**
 * The Azure providers, for the registry (src/cloud/registry.ts):
 *
 *   registerProvider('azure', 'selfmanaged', async () => (await import('./azure/index.js')).createAzureSelfManaged());
 *   registerProvider('azure', 'managed', async () => (await import('./azure/index.js')).createAzureManaged());
 *
 * Importing this module loads no Azure SDK: each SDK (and @azure/identity) is `await import()`ed on
 * its first call.
 */
import { AzureManaged } from './managed.js';
import { AzureSelfManaged, type AzureProviderOptions } from './selfmanaged.js';

export type { AzureProviderOptions } from './selfmanaged.js';
export type { AzureRuntime } from './runtime.js';

export function createAzureSelfManaged(opts: AzureProviderOptions = {}): AzureSelfManaged {
  return new AzureSelfManaged(opts);
}

export function createAzureManaged(opts: AzureProviderOptions = {}): AzureManaged {
  return new AzureManaged(opts);
}
