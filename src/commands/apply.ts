/** `ksctl apply -f cluster.yaml`: show what differs between a cluster file and the cluster, as a plan. */
import type { Command } from 'commander';
import type { CommandEnv, GlobalOptions } from './context.js';

export interface ApplyFlags {
  file: string;
  dryRun?: boolean;
}

export function registerApply(program: Command, cenv: CommandEnv, globals: (c: Command) => GlobalOptions): void {
  program
    .command('apply')
    .description(
      'Compare a cluster file with the cluster and show the plan: node pools added, removed and resized, labels, taints, allowed CIDRs (see docs/node-pools.md)',
    )
    .requiredOption('-f, --file <path>', 'the cluster file (ksctl.io/v1alpha1 Cluster) of an existing cluster')
    .option('--dry-run', 'print the plan and change nothing')
    .action(async (flags: ApplyFlags, cmd: Command) => {
      const { applyCluster } = await import('./apply-action.js');
      await applyCluster(flags, globals(cmd), cenv);
    });
}
