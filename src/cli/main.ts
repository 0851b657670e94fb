/**
 * The entry: build the program, run it, and hand any error back to bin/ (which alone decides the exit
 * code). Signals and the IoHost are set up in session.ts (shared with the fast path, fast.ts).
 */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { buildProgram } from '../commands/program.js';
import { InputError } from '../errors.js';
import { openSession } from './session.js';
export { exitCodeOf } from '../errors.js';
export { formatError } from './format-error.js';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export interface RunResult {
  error?: unknown;
  verbose: boolean;
}

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  const { cenv, verbose, close } = openSession(argv, env);
  const program = buildProgram(cenv, packageVersion());
  try {
    await program.parseAsync(argv, { from: 'user' });
    return { verbose };
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return { verbose }; // --help, --version
      // commander already printed its message; exit 2 without printing it twice.
      return { error: Object.assign(new InputError(e.message.replace(/^error: /, '')), { printed: true }), verbose };
    }
    return { error: e, verbose };
  } finally {
    close();
  }
}
