/**
 * Every command, declared in one place. Command files only declare flags and import their action
 * lazily, so `ksctl --help` loads commander and nothing else.
 */
import { Command, Option } from 'commander';
import { checkEnvironment } from '../api/environment.js';
import { shortenTokens } from '../api/quote.js';
import { InputError } from '../errors.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { registerApply } from './apply.js';
import { registerBackup } from './backup.js';
import { registerCerts } from './certs.js';
import { registerCreate } from './create.js';
import { registerDelete } from './delete.js';
import { registerGet } from './get.js';
import { registerMisc } from './misc.js';
import { registerNodePools } from './nodepool.js';
import { registerSwitch } from './switch.js';
import { registerUpgrade } from './upgrade.js';
import { registerWorkers } from './workers.js';

function globals(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<{
    verbose?: boolean;
    kubeconfig?: string;
    stateDir?: string;
    color?: boolean;
    output?: GlobalOptions['output'];
    yes?: boolean;
  }>();
  return {
    verbose: !!o.verbose,
    kubeconfig: o.kubeconfig,
    stateDir: o.stateDir,
    color: o.color !== false,
    output: o.output,
    yes: !!o.yes,
  };
}

export function buildProgram(
  cenv: CommandEnv,
  version: string,
  streams: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {},
): Command {
  const stdout = streams.stdout ?? process.stdout;
  const stderr = streams.stderr ?? process.stderr;
  const program = new Command('ksctl')
    .description('Create, switch and delete Kubernetes clusters, scale their node pools and apply edited cluster files')
    .version(version, '--version', 'print the version')
    .option('-v, --verbose', 'detailed logs on stderr (and stacks on errors)')
    .option('--kubeconfig <path>', 'kubeconfig file to update (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--state-dir <path>', 'where ksctl keeps cluster state (env KSCTL_HOME, default ~/.ksctl)')
    .option('--no-color', 'no colours (also NO_COLOR)')
    .option('--yes', 'never prompt: fail on missing values instead (implied by CI=true or no terminal)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']))
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    // Set before subcommands are added so they inherit it: commander must throw, never exit.
    .exitOverride()
    .configureOutput({
      writeErr: (s) => stderr.write(s),
      writeOut: (s) => stdout.write(s),
      // commander echoes what it did not understand: a 200 KB argument is cut to something readable.
      outputError: (s, write) => write(shortenTokens(s)),
    });
  // Bounds on global flags and the environment, before any command touches a file (exit 2).
  program.hook('preAction', (_p, action) => {
    const issues = checkEnvironment(globals(action), cenv.env);
    if (issues.length > 0)
      throw new InputError(
        issues.map((i) => `${i.path}: ${i.message}`).join('\n'),
        issues.map((i) => i.path),
      );
  });
  registerCreate(program, cenv, globals);
  registerGet(program, cenv, globals);
  registerSwitch(program, cenv, globals);
  registerDelete(program, cenv, globals);
  registerWorkers(program, cenv, globals);
  registerNodePools(program, cenv, globals);
  registerApply(program, cenv, globals);
  registerBackup(program, cenv, globals);
  registerUpgrade(program, cenv, globals);
  registerCerts(program, cenv, globals);
  registerMisc(program, cenv, globals, version);
  return program;
}
