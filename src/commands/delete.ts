/** `ksctl delete cluster <name>`: destroy cloud resources, forget the kubeconfig entries, drop state. */
import type { Command } from 'commander';
import type { CommandEnv, GlobalOptions } from './context.js';
import type { SelectFlags } from './get.js';

export function registerDelete(program: Command, cenv: CommandEnv, globals: (c: Command) => GlobalOptions): void {
  const del = program.command('delete').description('Delete resources');
  del
    .command('cluster')
    .description('Delete a cluster and everything ksctl created for it')
    .argument('<name>', 'cluster name')
    .option('-p, --provider <provider>', 'disambiguate by provider')
    .option('-r, --region <region>', 'disambiguate by region')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name: string, flags: SelectFlags & { yes?: boolean }, cmd: Command) => {
      const { deleteCluster } = await import('./delete-action.js');
      await deleteCluster(name, flags, globals(cmd), cenv);
    });
}
