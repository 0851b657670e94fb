/** Another control plane joins through the load balancer. */
import type { PlannedMachine } from '../../../cloud/types.js';
import type { DistroController } from '../../../distro/controllers/types.js';
import type { BootstrapStep } from './types.js';
import { nodeStep } from './node.js';

export function controlPlaneJoinStep(
  cp: PlannedMachine,
  needs: string[],
  distribution: DistroController['name'],
): BootstrapStep {
  return nodeStep(cp, needs, distribution, {
    title: (name) => `Control plane ${name} (join)`,
    scripts: (d, n) => d.joinControlPlaneScripts(n),
    join: true,
  });
}
