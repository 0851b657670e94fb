/**
 * What the three node steps share: a machine becomes a Kubernetes node by the scripts its distribution
 * controller gives, then reports what it runs; the state write that marks it bootstrapped may change
 * more (`onJoined`: a day-2 worker is counted in the spec once it has joined).
 */
import type { PlannedMachine } from '../../../cloud/types.js';
import type { DistroController, NodeScope } from '../../../distro/controllers/types.js';
import type { Script } from '../../../distro/scripts/types.js';
import type { ClusterState } from '../../../state/types.js';
import type { BootstrapContext, BootstrapView } from '../context.js';
import { stepId } from './ids.js';
import { markBootstrapped, type BootstrapStep, type MachineScripts } from './types.js';

export interface NodeKind {
  title: (name: string) => string;
  /** The node's own scripts. */
  scripts(d: DistroController, n: NodeScope): Promise<Script[]>;
  /** Whether join credentials must be made valid first (every join; not the init). */
  join: boolean;
  /** Whether this step marks the machine bootstrapped (default true; a worker's onboarding check does). */
  marks?: boolean;
  /** Scripts on other machines once the node is up, in the same step (control plane 0: the LB forwards). */
  after?(v: BootstrapView): MachineScripts[];
}

/** `distribution` only labels the plan; the scripts come from the run's controller. */
export function nodeStep(
  m: PlannedMachine,
  needs: string[],
  distribution: string,
  kind: NodeKind,
  onJoined?: (s: ClusterState) => void,
): BootstrapStep {
  return {
    id: stepId.node(m),
    title: kind.title(m.name),
    needs,
    target: m.name,
    details: { distribution },
    async describe(v) {
      const scope = { topology: v.topology(), machine: v.machine(m.name), secrets: v.secrets };
      return [{ machine: m.name, scripts: await kind.scripts(v.distro, scope) }, ...(kind.after?.(v) ?? [])];
    },
    async run(ctx: BootstrapContext) {
      const machine = ctx.machine(m.name);
      const scope = ctx.liveScope(machine);
      if (kind.join) await ctx.distro.prepareJoin(scope);
      await ctx.exec(machine, await kind.scripts(ctx.distro, scope));
      await ctx.recordInstalled(machine);
      for (const a of kind.after?.(ctx) ?? []) await ctx.exec(ctx.machine(a.machine), a.scripts);
      if (kind.marks !== false) await markBootstrapped(ctx, m.name, onJoined);
    },
  };
}
