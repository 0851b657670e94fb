/**
 * Worker removal, first half: cordon the node, drain it through the Eviction API (PodDisruptionBudgets
 * honoured for the flags' bounded wait) and delete the Node — through the cluster's API behind the load
 * balancer, with the kubeconfig in state (src/managers/kubernetes; docs/draining.md). A node that never
 * registered, or is already gone, needs nothing, so a re-run converges.
 */
import type { DrainFlags } from '../../../api/pool-change.js';
import type { DrainOptions } from '../../kubernetes.js';
import type { RemovedNode } from '../../kubernetes/remove-node.js';
import { stepId } from './ids.js';
import { noScripts, type BootstrapStep } from './types.js';

/**
 * `flags.force` (the command's --force) also evicts pods no controller owns and deletes pods a budget
 * still protects at the timeout; and an API that cannot be reached is then a warning, since the machine
 * is being let go anyway. Without it, those stop the removal with an error that names the pods and
 * budgets, `--drain-timeout` and `--force`; the machine stays marked `removing` for a re-run.
 */
/** How a drain reaches the cluster; by default a connection through the kubeconfig in state. */
export type NodeRemover = (name: string, opts: DrainOptions) => Promise<RemovedNode>;

export function drainStep(
  name: string,
  stamp: number,
  flags: DrainFlags,
  needs: string[] = [],
  remove?: NodeRemover,
): BootstrapStep {
  return {
    id: stepId.drain(name, stamp),
    title: `Cordon, drain and delete node ${name}`,
    needs,
    target: name,
    details: { drainTimeoutSeconds: Math.round(flags.timeoutMs / 1000), ...(flags.force ? { force: true } : {}) },
    describe: noScripts,
    async run(ctx) {
      const { drainAndDeleteWorker } = await import('../../kubernetes/remove-node.js');
      const through: NodeRemover = remove ?? ((n, o) => drainAndDeleteWorker(ctx.cluster.secrets, n, o));
      const log = ctx.log.child(name);
      try {
        const r = await through(name, {
          ...flags,
          signal: ctx.signal,
          onProgress: (l) => log.info(l),
        });
        if (!r.existed) log.info(`node ${name} is not registered: nothing to drain`);
      } catch (e) {
        if (!flags.force || ctx.signal.aborted) throw e;
        log.warn(`could not drain node ${name} (--force): ${(e as Error).message.split('\n')[0]}`);
      }
    },
  };
}
