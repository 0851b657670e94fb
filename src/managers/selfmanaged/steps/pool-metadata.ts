/**
 * A pool's labels or taints changed: set them on each of its nodes through the API (`previous`, the
 * pool as recorded, says which to take off), then record the pool's new labels and taints in the spec,
 * in one write after every node has them. A crash before that write leaves the old ones recorded, so a
 * re-run sets them again (the patch is a no-op on a node that already has them).
 */
import type { NodePoolSpec } from '../../../api/types.js';
import type { MetadataChange } from '../pool-change.js';
import { poolOf } from '../pool-of.js';
import { stamped } from './ids.js';
import { noScripts, type BootstrapStep } from './types.js';

export const poolMetadataStepId = (pool: string, stamp: number) => stamped(`pool/${pool}/metadata`, stamp);

export function poolMetadataStep(
  change: MetadataChange,
  target: Pick<NodePoolSpec, 'labels' | 'taints'>,
  stamp: number,
  needs: string[],
): BootstrapStep {
  return {
    id: poolMetadataStepId(change.pool, stamp),
    title: `Set labels and taints of node pool ${change.pool} on its nodes`,
    needs,
    target: change.pool,
    details: {
      labels: change.want.labels,
      taints: change.want.taints.map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`),
    },
    describe: noScripts,
    async run(ctx) {
      const { withClusterApi } = await import('../../kubernetes/from-secrets.js');
      const state = ctx.cluster.state!;
      const nodes = Object.values(state.machines)
        .filter((m) => m.role === 'worker' && m.status === 'bootstrapped' && poolOf(state.spec, m) === change.pool)
        .map((m) => m.name);
      await withClusterApi(ctx.cluster.secrets, `set the labels and taints of pool ${change.pool}`, async (api) => {
        for (const n of nodes) {
          if (!(await api.node(n))) {
            ctx.log.child(n).warn(`node ${n} is not registered: its labels and taints are set when it joins`);
            continue;
          }
          await api.setNodeMetadata(n, change.want, change.previous);
          ctx.log.child(n).info(`labels and taints of pool ${change.pool} set`);
        }
      });
      await ctx.cluster.update((s) => {
        const p = s.spec.nodePools.find((x) => x.name === change.pool);
        if (!p) return;
        p.labels = { ...target.labels };
        p.taints = target.taints.map((t) => ({ ...t }));
      });
    },
  };
}
