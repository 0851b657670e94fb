/** `ksctl apply -f cluster.yaml`: show what differs between a cluster file and the cluster, then make it so. */
import type { Command } from 'commander';
import type { DrainInput } from '../api/drain-input.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { drainOptions } from './nodepool.js';

export interface ApplyFlags extends DrainInput {
  file: string;
  dryRun?: boolean;
}

export function registerApply(program: Command, cenv: CommandEnv, globals: (c: Command) => GlobalOptions): void {
  drainOptions(
    program
      .command('apply')
      .description(
        'Compare a cluster file with the cluster, show the plan (node pools added, removed and resized, labels, taints, allowed CIDRs), ask on a terminal, then apply it (see docs/node-pools.md)',
      )
      .requiredOption('-f, --file <path>', 'the cluster file (ksctl.io/v1alpha1 Cluster) of an existing cluster')
      .option('--dry-run', 'print the plan and change nothing'),
  ).action(async (flags: ApplyFlags, cmd: Command) => {
    const { applyCluster } = await import('./apply-action.js');
    await applyCluster(flags, globals(cmd), cenv);
  });
}
