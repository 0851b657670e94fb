/**
 * The AWS providers, for the registry (src/cloud/registry.ts):
 *
 *   registerProvider('aws', 'selfmanaged', async () => (await import('./aws/index.js')).createAwsSelfManaged());
 *   registerProvider('aws', 'managed', async () => (await import('./aws/index.js')).createAwsManaged());
 *
 * Importing this module loads no AWS SDK: each SDK is `await import()`ed on its first call.
 */
import { AwsManaged } from './managed.js';
import { AwsSelfManaged, type AwsProviderOptions } from './selfmanaged.js';

export type { AwsProviderOptions } from './selfmanaged.js';
export type { AwsRuntime, Clock } from './runtime.js';

export function createAwsSelfManaged(opts: AwsProviderOptions = {}): AwsSelfManaged {
  return new AwsSelfManaged(opts);
}

export function createAwsManaged(opts: AwsProviderOptions = {}): AwsManaged {
  return new AwsManaged(opts);
}
