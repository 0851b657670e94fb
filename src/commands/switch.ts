/** `ksctl switch <name>` (also `ksctl switch cluster <name>`): make a cluster the current context. */
import type { Command } from 'commander';
import type { CommandEnv, GlobalOptions } from './context.js';
import type { SelectFlags } from './get.js';

export function registerSwitch(program: Command, cenv: CommandEnv, globals: (c: Command) => GlobalOptions): void {
  const action = async (name: string, flags: SelectFlags, cmd: Command) => {
    const { switchCluster } = await import('./switch-action.js');
    await switchCluster(name, flags, globals(cmd), cenv);
  };
  const sw = program
    .command('switch')
    .description('Merge a cluster into your kubeconfig and make it the current context')
    .argument('[name]', 'cluster name')
    .option('-p, --provider <provider>', 'disambiguate by provider')
    .option('-r, --region <region>', 'disambiguate by region')
    .action(async (name: string | undefined, flags: SelectFlags, cmd: Command) => {
      if (!name) {
        cmd.help({ error: true });
        return;
      }
      await action(name, flags, cmd);
    });
  sw.command('cluster')
    .description('Same as `ksctl switch <name>`')
    .argument('<name>', 'cluster name')
    .option('-p, --provider <provider>', 'disambiguate by provider')
    .option('-r, --region <region>', 'disambiguate by region')
    .action(action);
}
