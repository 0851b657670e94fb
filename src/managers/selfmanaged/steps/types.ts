/** A self-managed step: a unit that runs with the run's context and describes what it would run. */
import type { Script } from '../../../distro/scripts/types.js';
import type { Step } from '../../../pipeline/types.js';
import type { BootstrapContext, BootstrapView } from '../context.js';

/** The scripts a step runs on one machine. */
export interface MachineScripts {
  machine: string;
  scripts: Script[];
}

export interface BootstrapStep extends Step<BootstrapContext> {
  /**
   * What `run` would run, built by the same code from what is known (`--dry-run`: the plan's machines,
   * stand-in secrets). Empty for a step that runs no script (a machine, the kubeconfig).
   */
  describe(v: BootstrapView): Promise<MachineScripts[]>;
}

/** For steps that run no script. */
export const noScripts = async (): Promise<MachineScripts[]> => [];

/** Marks a machine bootstrapped, once; `onJoined` changes state in that same write (and only then). */
export async function markBootstrapped(
  ctx: BootstrapContext,
  name: string,
  onJoined?: (s: NonNullable<BootstrapContext['cluster']['state']>) => void,
): Promise<void> {
  await ctx.cluster.update((s) => {
    const cur = s.machines[name];
    if (!cur || cur.status === 'bootstrapped') return;
    cur.status = 'bootstrapped';
    onJoined?.(s);
  });
}
