/** Where every create ends: the cluster's admin kubeconfig kept as a secret, its context and server in state. */
import { contextName } from '../kubeconfig/naming.js';
import type { StepContext } from '../pipeline/types.js';
import { KUBECONFIG_SECRET } from './ksctl.js';

export async function saveKubeconfig(ctx: StepContext, text: string, server: string | undefined): Promise<void> {
  await ctx.cluster.secrets.put(KUBECONFIG_SECRET, text);
  await ctx.cluster.update((s) => {
    s.kubeconfig = { context: contextName(s.id), ...(server ? { server } : {}) };
  });
}
