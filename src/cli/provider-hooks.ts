/**
 * The one way into a ksctl process for a test's fake cloud: a module preloaded with `node --import`
 * (test/fakes/<cloud>/install.ts) leaves the providers' runtimes under this symbol, and the entry point
 * reads it once and injects it down (CommandEnv → ManagerDeps → the registry → the provider's factory).
 * A global symbol, because the preload and the CLI load separate copies of the code (its compiled src,
 * the bundle) and share only the process. Nothing below src/cli reads it.
 */
import type { ProviderHooks } from '../cloud/types.js';

export const PROVIDER_HOOKS = Symbol.for('ksctl.provider-hooks');

export function preloadedProviderHooks(): ProviderHooks | undefined {
  return (globalThis as Record<symbol, ProviderHooks | undefined>)[PROVIDER_HOOKS];
}
