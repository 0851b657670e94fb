/** The admin kubeconfig from control plane 0, its server rewritten to the load balancer, kept as a secret. */
import type { PlannedMachine } from '../../../cloud/types.js';
import { reachableAddress } from '../../../distro/controllers/types.js';
import { saveKubeconfig } from '../../kubeconfig-secret.js';
import { parseKubeconfigServer, rewriteServer } from '../kubeconfig-rewrite.js';
import { stepId } from './ids.js';
import { noScripts, type BootstrapStep } from './types.js';

export function kubeconfigStep(cp0: PlannedMachine): BootstrapStep {
  return {
    id: stepId.kubeconfig,
    title: 'Fetch the kubeconfig (server: the load balancer)',
    needs: [stepId.node(cp0)],
    describe: noScripts,
    async run(ctx) {
      const t = ctx.topology();
      const session = await ctx.session(ctx.machine(cp0.name));
      const raw = (await session.download(ctx.distro.kubeconfigPath, { sudo: true })).toString('utf8');
      const server = `https://${reachableAddress(t.loadBalancer)}:6443`;
      const text = rewriteServer(raw, server);
      await saveKubeconfig(ctx, text, parseKubeconfigServer(text) ?? server);
    },
  };
}
