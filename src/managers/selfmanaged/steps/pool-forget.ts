/**
 * A deleted pool leaves the spec last, once each of its machines has been drained, released and
 * forgotten (each in its own write); a re-run after a crash before this finds the pool empty and
 * forgets it then.
 */
import { DEFAULT_POOL } from '../../../api/types.js';
import { poolOf } from '../pool-of.js';
import { stamped } from './ids.js';
import { noScripts, type BootstrapStep } from './types.js';

export function forgetPoolStep(pool: string, stamp: number, needs: string[]): BootstrapStep {
  return {
    id: stamped(`pool/${pool}/forget`, stamp),
    title: `Remove node pool ${pool} from the cluster's spec`,
    needs,
    target: pool,
    describe: noScripts,
    async run(ctx) {
      await ctx.cluster.update((s) => {
        const left = Object.values(s.machines).filter((m) => m.role === 'worker' && poolOf(s.spec, m) === pool);
        if (left.length > 0)
          throw new Error(`node pool ${pool} still has machines: ${left.map((m) => m.name).join(', ')}`);
        s.spec.nodePools = s.spec.nodePools.filter((p) => p.name !== pool);
        if (pool === DEFAULT_POOL) s.spec.workers.count = 0;
      });
    },
  };
}
