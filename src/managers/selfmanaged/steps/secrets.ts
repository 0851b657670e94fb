/** The distribution's cluster-wide join credentials, generated before any machine needs them. */
import type { DistroController } from '../../../distro/controllers/types.js';
import { stepId } from './ids.js';
import { noScripts, type BootstrapStep } from './types.js';

export function secretsStep(distro: Pick<DistroController, 'name'>): BootstrapStep {
  return {
    id: stepId.secrets,
    title: `Generate ${distro.name} join credentials`,
    needs: [],
    describe: noScripts,
    run: (ctx) => ctx.distro.ensureSecrets(ctx.cluster.secrets),
  };
}
