/**
 * `ksctl scale nodepool <cluster> <pool> --count N`, `ksctl create nodepool <cluster> --name X ...` and
 * `ksctl delete nodepool <cluster> <pool>`: day-2 changes of one node pool (docs/node-pools.md). Each
 * brings the cluster's pools to a target through the cluster's lifecycle (reconcilePools).
 */
import type { Command } from 'commander';
import type { DrainInput } from '../api/drain-input.js';
import type { NewPoolInput } from '../api/pool-flags.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import type { SelectFlags } from './get.js';
import { collect } from './spec-input.js';

export interface PoolCommandFlags extends SelectFlags, DrainInput {
  dryRun?: boolean;
}
export interface ScaleFlags extends PoolCommandFlags {
  count?: string;
}
export interface CreatePoolFlags extends SelectFlags, NewPoolInput {
  dryRun?: boolean;
}

const select = (cmd: Command) =>
  cmd
    .argument('<cluster>', 'cluster name')
    .option('-p, --provider <provider>', 'disambiguate by provider')
    .option('-r, --region <region>', 'disambiguate by region');

/** The flags of every command that may drain nodes (docs/draining.md). */
export const drainOptions = (cmd: Command) =>
  cmd
    .option(
      '--drain-timeout <duration>',
      'how long evictions a PodDisruptionBudget refuses are retried, e.g. 90s, 5m (default 5m)',
    )
    .option('--force', 'after the drain timeout, delete the pods that still block (and evict bare pods)')
    .option('--delete-emptydir-data', 'evict pods with emptyDir volumes (their data is lost with the node)');

const sub = (program: Command, name: string, description: string) =>
  program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);

export function registerNodePools(program: Command, cenv: CommandEnv, globals: (c: Command) => GlobalOptions): void {
  drainOptions(
    select(
      sub(program, 'scale', 'Change the size of resources')
        .command('nodepool')
        .description(
          "Set a node pool's node count: growing adds nodes (all at once), shrinking drains and deletes nodes (not-Ready first, then the newest)",
        ),
    )
      .argument('<pool>', 'node pool name (see `ksctl get cluster`)')
      .option('--count <n>', 'the number of nodes the pool is to have (within its min and max)'),
  )
    .option('--dry-run', 'print the steps and change nothing')
    .action(async (cluster: string, pool: string, flags: ScaleFlags, cmd: Command) => {
      const { scaleNodePool } = await import('./nodepool-action.js');
      await scaleNodePool(cluster, pool, flags, globals(cmd), cenv);
    });

  select(
    sub(program, 'create', 'Create resources')
      .command('nodepool')
      .description('Add a node pool to a cluster: its nodes created and joined with the labels and taints given'),
  )
    .option('--name <pool>', 'the new pool name (a DNS label, unique in the cluster)')
    .option('--count <n>', 'nodes to start with')
    .option('--size <size>', "instance size (default: the provider's worker size)")
    .option('--spot', 'spot / preemptible capacity')
    .option('--label <key=value>', 'node label (repeatable, or comma-separated)', collect)
    .option(
      '--taint <key=value:Effect>',
      'node taint; Effect is NoSchedule, PreferNoSchedule or NoExecute (repeatable)',
      collect,
    )
    .option('--min <n>', 'lower bound for the autoscaler')
    .option('--max <n>', 'upper bound for the autoscaler')
    .option('--zones <zones>', 'zones to place the pool in, comma-separated (GKE)')
    .option('--dry-run', 'print the steps and change nothing')
    .action(async (cluster: string, flags: CreatePoolFlags, cmd: Command) => {
      const { createNodePool } = await import('./nodepool-action.js');
      await createNodePool(cluster, flags, globals(cmd), cenv);
    });

  drainOptions(
    select(
      sub(program, 'delete', 'Delete resources')
        .command('nodepool')
        .description('Drain every node of a pool through the Eviction API, delete the nodes, then the pool'),
    ).argument('<pool>', 'node pool name'),
  )
    .option('--dry-run', 'print the steps and change nothing')
    .action(async (cluster: string, pool: string, flags: PoolCommandFlags, cmd: Command) => {
      const { deleteNodePool } = await import('./nodepool-action.js');
      await deleteNodePool(cluster, pool, flags, globals(cmd), cenv);
    });
}
