/** A self-managed run's context over a test's own step context, provider and SSH pool (no SSH by default). */
import type { Distribution } from '../../src/api/types.js';
import type { SelfManagedCloud } from '../../src/cloud/types.js';
import { distroController } from '../../src/distro/controllers/index.js';
import type { SshPool } from '../../src/distro/ssh/types.js';
import { bootstrapContext, type BootstrapContext } from '../../src/managers/selfmanaged/context.js';
import { SshAccess } from '../../src/managers/selfmanaged/ssh-access.js';
import type { StepContext } from '../../src/pipeline/types.js';

export function bootstrapOf(
  ctx: StepContext,
  provider: SelfManagedCloud,
  distribution: Distribution = 'k3s',
  pool: SshPool = {} as SshPool,
): BootstrapContext {
  return bootstrapContext(
    ctx,
    provider,
    distroController(distribution),
    new SshAccess(provider, pool, { sshWaitMs: 1000 }),
  );
}

/** What plan builders take: the provider and the distribution. */
export const planSourceOf = (provider: SelfManagedCloud, distribution: Distribution = 'k3s') => ({
  provider,
  distro: distroController(distribution),
});
