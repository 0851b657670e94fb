/**
 * The entry: build the program, run it, and hand any error back to bin/ (which alone decides the exit
 * code). Ctrl-C aborts the running command cleanly; a second Ctrl-C exits at once (locks are released
 * by the exit hook either way).
 */
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { buildProgram } from '../commands/program.js';
import type { CommandEnv, GlobalOptions } from '../commands/context.js';
import { InputError, InterruptedError, isKsctlError } from '../errors.js';
export { exitCodeOf } from '../errors.js';
import { applyColorChoice, colorRequestedOff } from '../io/color.js';
import { ConsoleIo } from '../io/console.js';
import type { IoHost } from '../io/types.js';
import { shortenTokens } from '../api/quote.js';
import { redact } from '../util/redact.js';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Where output goes (default: the process's); in-process tests pass their own. */
export interface Streams {
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

export interface RunResult {
  error?: unknown;
  verbose: boolean;
}

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env, streams: Streams = {}): Promise<RunResult> {
  const noColor = colorRequestedOff(argv, env);
  applyColorChoice(noColor);
  // Created on first use: AbortController costs start-up time that read-only commands never need.
  let controller: AbortController | undefined;
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1 || !controller) process.exit(130);
    process.stderr.write(`\n${sig === 'SIGINT' ? 'Interrupted' : 'Terminated'}: stopping after the running steps (Ctrl-C again to quit now)\n`);
    controller.abort(new InterruptedError());
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let io: IoHost | undefined;
  const cenv: CommandEnv = {
    env,
    get signal() {
      if (!controller) {
        controller = new AbortController();
        // Every running step, cloud wait and SSH connection listens on this one signal (a cluster of
        // 11+ machines has 11+ at once): not a leak, so no MaxListenersExceededWarning on stderr.
        setMaxListeners(0, controller.signal);
      }
      return controller.signal;
    },
    argv,
    io(g: GlobalOptions) {
      io ??= new ConsoleIo({ verbose: g.verbose, yes: g.yes, noColor: noColor || !g.color, env, ...streams });
      return io;
    },
  };
  const program = buildProgram(cenv, packageVersion(), streams);
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return { verbose };
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return { verbose }; // --help, --version
      // commander already printed its message; exit 2 without printing it twice.
      // The option or argument commander names ('--wrokers', 'xml'), so the error carries its field too.
      const message = shortenTokens(e.message.replace(/^error: /, ''));
      // No command at all: commander printed the usage, whose first line names the missing [command].
      const fields = e.code === 'commander.help' ? ['[command]'] : [...message.matchAll(/'([^']{1,200})'/g)].map((m) => m[1]!);
      return { error: Object.assign(new InputError(message, fields.length > 0 ? fields : [e.code]), { printed: true }), verbose };
    }
    return { error: e, verbose };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** One clear line (plus a hint), the stack only with --verbose. Secrets never. */
export function formatError(e: unknown, verbose: boolean): string {
  if ((e as { printed?: boolean }).printed) return '';
  const msg = e instanceof Error ? e.message : String(e);
  let out = `Error: ${msg}`;
  // Bad input names the field to fix, when the message does not already.
  if (e instanceof InputError && e.fields.length > 0 && !e.fields.some((f) => msg.includes(f))) out += ` (${e.fields.join(', ')})`;
  if (isKsctlError(e) && e.hint) out += `\nHint: ${e.hint}`;
  // A stack helps with a bug or a failed cloud call; for bad input the message is the whole story.
  const userError = isKsctlError(e) && e.userError;
  if (verbose && !userError && e instanceof Error && e.stack) out += `\n${e.stack.split('\n').slice(1).join('\n')}`;
  if (verbose && e instanceof Error && e.cause) out += `\nCaused by: ${e.cause instanceof Error ? e.cause.message : String(e.cause)}`;
  return redact(out);
}
