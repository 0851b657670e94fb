/**
 * A shrink's first step: every node it gives up is cordoned before any is drained, so pods evicted from
 * one never land on the next to go. A node that never registered (or is gone) needs nothing.
 */
import { isNotFound } from '../../kubernetes/errors.js';
import { stamped } from './ids.js';
import { noScripts, type BootstrapStep } from './types.js';

export const cordonStepId = (stamp: number) => stamped('cordon/shrink', stamp);

export function cordonStep(nodes: string[], stamp: number, force: boolean): BootstrapStep {
  return {
    id: cordonStepId(stamp),
    title: `Cordon ${nodes.length} node${nodes.length === 1 ? '' : 's'} to remove (${nodes.join(', ')})`,
    needs: [],
    describe: noScripts,
    async run(ctx) {
      const { withClusterApi } = await import('../../kubernetes/from-secrets.js');
      try {
        await withClusterApi(ctx.cluster.secrets, 'cordon the nodes to remove', async (api) => {
          for (const n of nodes) {
            try {
              await api.cordon(n);
              ctx.log.child(n).info(`cordoned node ${n}`);
            } catch (e) {
              if (!isNotFound(e)) throw e;
            }
          }
        });
      } catch (e) {
        // As the drain does: with --force an API that cannot be reached does not keep a machine.
        if (!force || ctx.signal.aborted) throw e;
        ctx.log.warn(`could not cordon (--force): ${(e as Error).message.split('\n')[0]}`);
      }
    },
  };
}
