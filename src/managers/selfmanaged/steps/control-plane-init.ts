/**
 * Control plane 0 initialises the cluster. "Up" means up *through the load balancer*: every join goes
 * that way, so the step ends once the load balancer forwards to it.
 */
import type { PlannedMachine } from '../../../cloud/types.js';
import type { DistroController } from '../../../distro/controllers/types.js';
import { lbForwardingScript } from '../../../distro/scripts/haproxy.js';
import type { BootstrapStep } from './types.js';
import { nodeStep } from './node.js';

export function controlPlaneInitStep(
  cp0: PlannedMachine,
  needs: string[],
  distribution: DistroController['name'],
): BootstrapStep {
  return nodeStep(cp0, needs, distribution, {
    title: (name) => `Control plane ${name} (init)`,
    scripts: (d, n) => d.initScripts(n),
    join: false,
    after: (v) => [{ machine: v.topology().loadBalancer.name, scripts: [lbForwardingScript()] }],
  });
}
