/**
 * Providers register here by (provider, type) and are imported only when a command needs them:
 * `--help`, `get`, `switch` and `version` never load an SDK.
 */
import type { ClusterType, Provider } from '../api/types.js';
import { InputError } from '../errors.js';
import type { CloudProvider, ProviderFactory } from './types.js';

const factories = new Map<string, ProviderFactory>();

const key = (provider: Provider, type: ClusterType) => `${provider}/${type}`;

export function registerProvider(provider: Provider, type: ClusterType, factory: ProviderFactory): void {
  factories.set(key(provider, type), factory);
}

export function hasProvider(provider: Provider, type: ClusterType): boolean {
  return factories.has(key(provider, type));
}

export async function loadProvider(provider: Provider, type: ClusterType): Promise<CloudProvider> {
  const f = factories.get(key(provider, type));
  if (!f) {
    throw new InputError(`provider "${provider}" does not support type "${type}" yet`, ['spec.type'], {
      hint: `available: ${[...factories.keys()].join(', ')}`,
    });
  }
  return f();
}

// Built-in providers. Each import() is resolved only when the provider is used.
registerProvider('local', 'managed', async () => (await import('./local/index.js')).createLocalProvider());
registerProvider('ssh', 'selfmanaged', async () => (await import('./ssh/index.js')).createSshProvider());
registerProvider('aws', 'selfmanaged', async () => (await import('./aws/index.js')).createAwsSelfManaged());
registerProvider('aws', 'managed', async () => (await import('./aws/index.js')).createAwsManaged());
registerProvider('azure', 'selfmanaged', async () => (await import('./azure/index.js')).createAzureSelfManaged());
registerProvider('azure', 'managed', async () => (await import('./azure/index.js')).createAzureManaged());
registerProvider('gcp', 'selfmanaged', async () => (await import('./gcp/index.js')).createGcpSelfManaged());
registerProvider('gcp', 'managed', async () => (await import('./gcp/index.js')).createGcpManaged());
