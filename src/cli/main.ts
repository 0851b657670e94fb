/**
 * The entry: build the program, run it, and hand any error back to bin/ (which alone decides the exit
 * code). Signals, the colour decision and the IoHost are set up in session.ts (shared with the fast
 * path, fast.ts).
 */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { buildProgram } from '../commands/program.js';
import { shortenTokens } from '../api/quote.js';
import { InputError } from '../errors.js';
import { openSession, type Streams } from './session.js';
export { exitCodeOf } from '../errors.js';
export { formatError } from './format-error.js';
export type { Streams } from './session.js';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
      .version;
  } catch {
    return '0.0.0';
  }
}

export interface RunResult {
  error?: unknown;
  verbose: boolean;
}

export async function run(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  streams: Streams = {},
): Promise<RunResult> {
  // The AWS SDK prints, on any Node before 22, that its releases after January 2027 will need Node 22.
  // The SDK ksctl ships is pinned and runs on Node 20 (ksctl's engines); moving to such a release is
  // ksctl's change to make (docs/development.md), so the warning is not shown to its users.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { cenv, verbose, close } = openSession(argv, env, streams);
  const program = buildProgram(cenv, packageVersion(), streams);
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
      const fields =
        e.code === 'commander.help' ? ['[command]'] : [...message.matchAll(/'([^']{1,200})'/g)].map((m) => m[1]!);
      return {
        error: Object.assign(new InputError(message, fields.length > 0 ? fields : [e.code]), { printed: true }),
        verbose,
      };
    }
    return { error: e, verbose };
  } finally {
    close();
  }
}
