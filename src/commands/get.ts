/** `ksctl get clusters` and `ksctl get cluster <name>` (describe). Reads local state only. */
import type { Command } from 'commander';
import type { Provider } from '../api/types.js';
import type { CommandEnv, GlobalOptions } from './context.js';

export interface SelectFlags {
  provider?: Provider;
  region?: string;
}

export function registerGet(program: Command, cenv: CommandEnv, globals: (c: Command) => GlobalOptions): void {
  const get = program.command('get').description('Show clusters from local state');
  get
    .command('clusters')
    .description('List clusters')
    .option('-p, --provider <provider>', 'only this provider')
    .option('-r, --region <region>', 'only this region')
    .action(async (flags: SelectFlags, cmd: Command) => {
      const { listClusters } = await import('./get-action.js');
      await listClusters(flags, globals(cmd), cenv);
    });
  get
    .command('cluster')
    .description('Describe a cluster: phase, roles, machines, versions, step history')
    .argument('<name>', 'cluster name')
    .option('-p, --provider <provider>', 'disambiguate by provider')
    .option('-r, --region <region>', 'disambiguate by region')
    .action(async (name: string, flags: SelectFlags, cmd: Command) => {
      const { describeCluster } = await import('./get-action.js');
      await describeCluster(name, flags, globals(cmd), cenv);
    });
}
