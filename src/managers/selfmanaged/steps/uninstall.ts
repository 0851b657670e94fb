/** The ssh provider's machines stay the user's: Kubernetes (or etcd) comes off them, nothing is deleted. */
import type { Machine } from '../../../state/types.js';
import { stepId } from './ids.js';
import type { BootstrapStep } from './types.js';

/** For `delete cluster`: one machine, whatever its role. */
export function uninstallStep(m: Machine, stamp: number): BootstrapStep {
  return {
    id: stepId.uninstall(m.name, stamp),
    title: `Uninstall from ${m.name} (${m.role})`,
    needs: [],
    target: m.name,
    describe: async (v) => [{ machine: m.name, scripts: [v.distro.uninstallScript(m.role)] }],
    run: async (ctx) => {
      await ctx.exec(m, [ctx.distro.uninstallScript(m.role)]);
    },
  };
}

/** For `delete worker`: a worker that never got Kubernetes needs nothing; `force` releases it unreachable. */
export function uninstallWorkerStep(name: string, stamp: number, needs: string[], force: boolean): BootstrapStep {
  return {
    id: stepId.uninstall(name, stamp),
    title: `Uninstall Kubernetes from ${name}`,
    needs,
    target: name,
    describe: async (v) => [{ machine: name, scripts: [v.distro.uninstallScript('worker')] }],
    async run(ctx) {
      const m = ctx.machine(name);
      if (m.status === 'pending') return; // nothing was installed on it yet
      try {
        await ctx.exec(m, [ctx.distro.uninstallScript('worker')]);
      } catch (e) {
        if (!force) throw e;
        ctx.log.warn(`could not uninstall from ${name} (--force): ${(e as Error).message.split('\n')[0]}`);
      }
    },
  };
}
