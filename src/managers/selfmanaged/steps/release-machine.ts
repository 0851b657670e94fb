/**
 * Worker removal, last: a cloud deletes the VM with what belongs to it (NIC, public IP, disk); the ssh
 * provider's machine is released. The machine leaves state, and the spec's count drops, in one write
 * after that has succeeded: a failure anywhere before leaves the worker listed for a re-run.
 */
import { forgetWorker } from '../worker-count.js';
import { stepId } from './ids.js';
import { noScripts, type BootstrapStep } from './types.js';

export function releaseMachineStep(name: string, stamp: number, needs: string[], cloud: boolean): BootstrapStep {
  return {
    id: stepId.release(name, stamp),
    title: cloud ? `Delete VM ${name} (with its disk and addresses)` : `Release machine ${name}`,
    needs,
    target: name,
    describe: noScripts,
    async run(ctx) {
      const m = ctx.cluster.state?.machines[name];
      if (m) await ctx.provider.deleteMachine(ctx, m);
      await ctx.cluster.update((s) => forgetWorker(s, name));
    },
  };
}
