/** A machine exists, answers SSH (its host key pinned) and is marked running. */
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
      await ctx.cluster.update((s) => {
        const cur = s.machines[m.name];
        if (cur && cur.status === 'pending') cur.status = 'running';
      });
    },
  };
}
