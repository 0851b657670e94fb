/**
 * A self-managed run's context over a test's own step context, provider and SSH pool (no SSH by default)
 * and a recording fake of the cluster API (test/fakes/node-api.ts) for the onboarding checks.
 */
import type { Distribution } from '../../src/api/types.js';
import type { SelfManagedCloud } from '../../src/cloud/types.js';
import { distroController } from '../../src/distro/controllers/index.js';
import type { SshPool } from '../../src/distro/ssh/types.js';
import { bootstrapContext, type BootstrapContext } from '../../src/managers/selfmanaged/context.js';
import { SshAccess } from '../../src/managers/selfmanaged/ssh-access.js';
import type { StepContext } from '../../src/pipeline/types.js';
import { recordingNodeApi, type RecordingNodeApi } from '../fakes/node-api.js';

export function bootstrapOf(
  ctx: StepContext,
  provider: SelfManagedCloud,
  distribution: Distribution = 'k3s',
  pool: SshPool = {} as SshPool,
  nodeApi: RecordingNodeApi = recordingNodeApi(),
): BootstrapContext {
  return bootstrapContext(
    ctx,
    provider,
    distroController(distribution),
    new SshAccess(provider, pool, { sshWaitMs: 1000 }),
    { nodeApi: nodeApi.factory },
  );
}

/** What plan builders take: the provider and the distribution. */
export const planSourceOf = (provider: SelfManagedCloud, distribution: Distribution = 'k3s') => ({
  provider,
  distro: distroController(distribution),
});
