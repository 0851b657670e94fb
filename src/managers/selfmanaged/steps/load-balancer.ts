/** HAProxy on the load balancer machine, forwarding :6443 to every control plane. */
import type { Distribution } from '../../../api/types.js';
import type { PlannedMachine } from '../../../cloud/types.js';
import { privateAddress, type Topology } from '../../../distro/controllers/types.js';
import { haproxyScript } from '../../../distro/scripts/haproxy.js';
import { stepId } from './ids.js';
import { markBootstrapped, type BootstrapStep } from './types.js';

/** k3s's API server refuses anonymous /readyz (401): its servers are checked at the supervisor's /ping. */
export function lbHealthCheck(distribution: Distribution | undefined): { healthCheckPath?: string } {
  return distribution === 'k3s' ? { healthCheckPath: '/ping' } : {};
}

const scriptsFor = (t: Topology) => [
  haproxyScript({
    controlPlanes: t.controlPlanes.map((c) => ({ name: c.name, address: privateAddress(c) })),
    ...lbHealthCheck(t.spec.distribution),
    ...(t.spec.airgap.enabled ? { airgap: {} } : {}),
  }),
];

export function loadBalancerStep(lb: PlannedMachine, cps: PlannedMachine[]): BootstrapStep {
  return {
    id: stepId.loadBalancer(lb.name),
    title: `Load balancer ${lb.name} (HAProxy :6443 → ${cps.length} control planes)`,
    needs: [stepId.machine(lb.name), ...cps.map((c) => stepId.machine(c.name))],
    target: lb.name,
    describe: async (v) => [{ machine: lb.name, scripts: scriptsFor(v.topology()) }],
    async run(ctx) {
      const t = ctx.topology();
      await ctx.exec(t.loadBalancer, scriptsFor(t));
      await markBootstrapped(ctx, lb.name);
    },
  };
}
