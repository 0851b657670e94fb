/**
 * The fast path for the commands people run many times a day, `switch <name>` and `get clusters` (and
 * `--help`, see builtHelp):
 * bundled on its own as CommonJS (dist/fast/fast.cjs, loaded by bin/ksctl.js), it skips the ES module
 * loader, commander and the program definition, which together cost more than the command itself.
 *
 * It takes only command lines whose meaning is beyond doubt (separate `--flag value` pairs, known flags,
 * no duplicates, no help) and runs the very same actions as the full CLI; anything else, including every
 * command line commander would reject, goes to the full CLI (dist/bundle/main.mjs), so output, errors
 * and exit codes are the same either way (test/e2e/fast-path.test.ts runs both on the same inputs).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { GlobalOptions, OutputFormat } from '../commands/context.js';
import type { SelectFlags } from '../commands/get.js';
import { checkEnvironment } from '../api/environment.js';
import { InputError } from '../errors.js';
import { openSession } from './session.js';
export { exitCodeOf } from '../errors.js';
export { formatError } from './format-error.js';

type Command = { kind: 'switch'; name: string } | { kind: 'get-clusters' } | { kind: 'help'; text: string };

/**
 * `ksctl --help` as commander prints it when stdout is not a terminal (80 columns), captured from the
 * full CLI at build time (scripts/bundle.mjs writes dist/fast/help.txt). On a terminal commander wraps to
 * its width, so there the full CLI prints it.
 */
function builtHelp(stdoutIsTTY: () => boolean): string | undefined {
  if (typeof __dirname === 'undefined' || stdoutIsTTY()) return undefined;
  try {
    return readFileSync(path.join(__dirname, 'help.txt'), 'utf8');
  } catch {
    return undefined;
  }
}

export interface FastCommand {
  command: Command;
  globals: GlobalOptions;
  flags: SelectFlags;
}

const GLOBAL_VALUE: Record<string, 'kubeconfig' | 'stateDir' | 'output'> = {
  '--kubeconfig': 'kubeconfig',
  '--state-dir': 'stateDir',
  '-o': 'output',
  '--output': 'output',
};
const GLOBAL_BOOL: Record<string, 'verbose' | 'noColor' | 'yes'> = {
  '-v': 'verbose',
  '--verbose': 'verbose',
  '--no-color': 'noColor',
  '--yes': 'yes',
};
const SELECT: Record<string, 'provider' | 'region'> = {
  '-p': 'provider',
  '--provider': 'provider',
  '-r': 'region',
  '--region': 'region',
};
const OUTPUTS: readonly string[] = ['table', 'json', 'yaml'];

/** The command line as the full CLI would read it, or undefined when only the full CLI should read it. */
export function parseFast(
  argv: readonly string[],
  stdoutIsTTY = () => !!process.stdout.isTTY,
): FastCommand | undefined {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    const text = builtHelp(stdoutIsTTY);
    return text === undefined
      ? undefined
      : { command: { kind: 'help', text }, flags: {}, globals: { verbose: false, color: true, yes: false } };
  }
  const words: string[] = [];
  const seen = new Set<string>();
  const g: Record<string, string | true> = {};
  const flags: Record<string, string> = {};
  /** Where the command's own flags may start: after its last command word. */
  const selectAt: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-')) {
      words.push(a);
      continue;
    }
    const key = GLOBAL_VALUE[a] ?? GLOBAL_BOOL[a] ?? SELECT[a];
    if (!key || seen.has(key)) return undefined;
    seen.add(key);
    if (GLOBAL_BOOL[a]) {
      g[key] = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined || v.startsWith('-') || v === '') return undefined;
    if (SELECT[a]) {
      flags[key] = v;
      selectAt.push(words.length);
    } else g[key] = v;
  }
  let command: Command;
  let wordsBeforeFlags: number;
  if (words.length === 2 && words[0] === 'switch' && words[1] !== 'cluster' && words[1] !== 'help') {
    command = { kind: 'switch', name: words[1]! };
    wordsBeforeFlags = 1;
  } else if (words.length === 3 && words[0] === 'switch' && words[1] === 'cluster') {
    command = { kind: 'switch', name: words[2]! };
    wordsBeforeFlags = 2;
  } else if (words.length === 2 && words[0] === 'get' && words[1] === 'clusters') {
    command = { kind: 'get-clusters' };
    wordsBeforeFlags = 2;
  } else return undefined;
  // A command's own flags before its command words belong to another command: commander's call.
  if (selectAt.some((n) => n < wordsBeforeFlags)) return undefined;
  if (g.output !== undefined && !OUTPUTS.includes(g.output as string)) return undefined;
  return {
    command,
    flags,
    globals: {
      verbose: g.verbose === true,
      kubeconfig: g.kubeconfig as string | undefined,
      stateDir: g.stateDir as string | undefined,
      color: g.noColor !== true,
      output: g.output as OutputFormat | undefined,
      yes: g.yes === true,
    },
  };
}

/** Runs a command parseFast accepted, exactly as the full CLI's action would. */
export async function runFast(
  argv: string[],
  parsed: FastCommand,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ error?: unknown; verbose: boolean }> {
  if (parsed.command.kind === 'help') {
    process.stdout.write(parsed.command.text);
    return { verbose: false };
  }
  const { cenv, verbose, close } = openSession(argv, env);
  try {
    // The same bounds on global flags and the environment as the full CLI's preAction hook (program.ts).
    const issues = checkEnvironment(parsed.globals, env);
    if (issues.length > 0)
      throw new InputError(
        issues.map((i) => `${i.path}: ${i.message}`).join('\n'),
        issues.map((i) => i.path),
      );
    if (parsed.command.kind === 'switch') {
      const { switchCluster } = await import('../commands/switch-action.js');
      await switchCluster(parsed.command.name, parsed.flags, parsed.globals, cenv);
    } else {
      const { listClusters } = await import('../commands/get-action.js');
      await listClusters(parsed.flags, parsed.globals, cenv);
    }
    return { verbose };
  } catch (e) {
    return { error: e, verbose };
  } finally {
    close();
  }
}
