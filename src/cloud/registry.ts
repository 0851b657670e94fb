/**
 * Providers register here by (provider, type) and are imported only when a command needs them:
 * `--help`, `get`, `switch` and `version` never load an SDK.
 */
import type { ClusterType, Provider } from '../api/types.js';
import { InputError } from '../errors.js';
import type { CloudProvider, ProviderFactory, ProviderHooks } from './types.js';

const factories = new Map<string, ProviderFactory>();

const key = (provider: Provider, type: ClusterType) => `${provider}/${type}`;

export function registerProvider(provider: Provider, type: ClusterType, factory: ProviderFactory): void {
  factories.set(key(provider, type), factory);
}

export function hasProvider(provider: Provider, type: ClusterType): boolean {
  return factories.has(key(provider, type));
}

/** `hooks`: what a test or benchmark injects into the provider (its runtime); production passes none. */
export async function loadProvider(
  provider: Provider,
  type: ClusterType,
  hooks: ProviderHooks = {},
): Promise<CloudProvider> {
  const f = factories.get(key(provider, type));
  if (!f) {
    throw new InputError(`provider "${provider}" does not support type "${type}" yet`, ['spec.type'], {
      hint: `available: ${[...factories.keys()].join(', ')}`,
    });
  }
  return f(hooks);
}

// Built-in providers. Each import() is resolved only when the provider is used.
registerProvider('local', 'managed', async () => (await import('./local/index.js')).createLocalProvider());
registerProvider('ssh', 'selfmanaged', async () => (await import('./ssh/index.js')).createSshProvider());
registerProvider('aws', 'selfmanaged', async (h) =>
  (await import('./aws/index.js')).createAwsSelfManaged(h.aws ? { runtime: h.aws } : {}),
);
registerProvider('aws', 'managed', async (h) =>
  (await import('./aws/index.js')).createAwsManaged(h.aws ? { runtime: h.aws } : {}),
);
registerProvider('azure', 'selfmanaged', async (h) =>
  (await import('./azure/index.js')).createAzureSelfManaged(h.azure ? { runtime: h.azure } : {}),
);
registerProvider('azure', 'managed', async (h) =>
  (await import('./azure/index.js')).createAzureManaged(h.azure ? { runtime: h.azure } : {}),
);
registerProvider('gcp', 'selfmanaged', async (h) =>
  (await import('./gcp/index.js')).createGcpSelfManaged(h.gcp ? { runtime: h.gcp } : {}),
);
registerProvider('gcp', 'managed', async (h) =>
  (await import('./gcp/index.js')).createGcpManaged(h.gcp ? { runtime: h.gcp } : {}),
);
