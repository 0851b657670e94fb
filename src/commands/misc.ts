/** `ksctl version`, `ksctl schema`, `ksctl completion <shell>`: no state, no SDK. */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import type { CommandEnv, GlobalOptions } from './context.js';

export function registerMisc(
  program: Command,
  cenv: CommandEnv,
  globals: (c: Command) => GlobalOptions,
  version: string,
): void {
  program
    .command('version')
    .description('Print the ksctl version')
    .action(async (_o: unknown, cmd: Command) => {
      const g = globals(cmd);
      const { printData } = await import('./output.js');
      await printData(
        cenv.io(g),
        g.output,
        { version, node: process.version },
        () => `ksctl ${version} (node ${process.version})`,
      );
    });
  program
    .command('schema')
    .description('Print the JSON Schema of the cluster file (for editors and CI linting)')
    .action(async (_o: unknown, cmd: Command) => {
      const { clusterFileJsonSchema } = await import('../api/json-schema.js');
      cenv.io(globals(cmd)).out(JSON.stringify(clusterFileJsonSchema(), null, 2));
    });
  program
    .command('completion')
    .description('Print a shell completion script (bash, zsh or fish)')
    .argument('<shell>', 'bash | zsh | fish')
    .action(async (shell: string, _o: unknown, cmd: Command) => {
      if (!['bash', 'zsh', 'fish'].includes(shell))
        throw new InputError(`unknown shell "${shell}": use bash, zsh or fish`, ['shell']);
      const { completionScript } = await import('./completion.js');
      cenv.io(globals(cmd)).out(completionScript(program, shell as 'bash' | 'zsh' | 'fish'));
    });
}
