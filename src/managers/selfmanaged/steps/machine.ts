/**
 * A machine exists, answers SSH (its host key pinned) and is marked running. A cloud's ensureMachine
 * rewrites the record from what the cloud reports: a worker's pool goes back on in the same write.
 */
import type { PlannedMachine, SelfManagedCloud } from '../../../cloud/types.js';
import { stepId } from './ids.js';
import { noScripts, type BootstrapStep } from './types.js';

export function machineStep(planned: PlannedMachine, provider: Pick<SelfManagedCloud, 'machineNeeds'>): BootstrapStep {
  return {
    id: stepId.machine(planned.name),
    title: `Machine ${planned.name} (${planned.role})`,
    needs: provider.machineNeeds(planned.role),
    target: planned.name,
    details: {
      role: planned.role,
      ...(planned.size ? { size: planned.size } : {}),
      ...(planned.spot ? { spot: true } : {}),
      ...(planned.pool ? { pool: planned.pool } : {}),
    },
    describe: noScripts,
    async run(ctx) {
      const m = await ctx.provider.ensureMachine(ctx, planned);
      await ctx.session(m); // waits for SSH and pins the host key
      const cur = ctx.cluster.state?.machines[m.name];
      if (cur?.status !== 'pending' && (!planned.pool || cur?.pool === planned.pool)) return;
      await ctx.cluster.update((s) => {
        const cur = s.machines[m.name];
        if (cur && cur.status === 'pending') cur.status = 'running';
        if (cur && planned.pool) cur.pool = planned.pool;
      });
    },
  };
}
