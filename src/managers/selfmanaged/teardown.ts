/** Steps that remove Kubernetes from machines ksctl does not own (ssh provider): every machine in parallel. */
import type { Step } from '../../pipeline/types.js';
import type { Machine } from '../../state/types.js';
import type { BootstrapRuntime } from './runtime.js';

export function uninstallSteps(rt: BootstrapRuntime, machines: Machine[], stamp: number): Step[] {
  return machines
    .filter((m) => m.role !== 'loadbalancer')
    .map((m) => ({
      id: `uninstall/${m.name}/${stamp}`,
      title: `Uninstall from ${m.name} (${m.role})`,
      needs: [],
      target: m.name,
      run: async (ctx) => {
        await rt.run(ctx, m, [rt.distro.uninstallScript(m.role)]);
      },
    }));
}
