/**
 * What one invocation sets up before any command runs, shared by the full CLI (main.ts) and the fast
 * path (fast.ts) so both behave the same: Ctrl-C aborts the running command cleanly and a second Ctrl-C
 * exits at once (locks are released by the exit hook either way); the IoHost and the abort signal are
 * created on first use.
 */
import { setMaxListeners } from 'node:events';
import type { CommandEnv, GlobalOptions } from '../commands/context.js';
import { preloadedProviderHooks } from './provider-hooks.js';
import { InterruptedError } from '../errors.js';
import { applyColorChoice, colorRequestedOff } from '../io/color.js';
import { ConsoleIo } from '../io/console.js';
import type { IoHost } from '../io/types.js';

/** Where output goes (default: the process's); in-process tests pass their own. */
export interface Streams {
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

export interface Session {
  cenv: CommandEnv;
  /** --verbose / -v anywhere on the command line (decides whether errors show stacks). */
  verbose: boolean;
  close: () => void;
}

export function openSession(argv: string[], env: NodeJS.ProcessEnv, streams: Streams = {}): Session {
  const noColor = colorRequestedOff(argv, env);
  applyColorChoice(noColor);
  // Created on first use: AbortController costs start-up time that read-only commands never need.
  let controller: AbortController | undefined;
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1 || !controller) process.exit(130);
    process.stderr.write(
      `\n${sig === 'SIGINT' ? 'Interrupted' : 'Terminated'}: stopping after the running steps (Ctrl-C again to quit now)\n`,
    );
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
    providerHooks: preloadedProviderHooks(),
    io(g: GlobalOptions) {
      io ??= new ConsoleIo({ verbose: g.verbose, yes: g.yes, noColor: noColor || !g.color, env, ...streams });
      return io;
    },
  };
  return {
    cenv,
    verbose: argv.includes('--verbose') || argv.includes('-v'),
    close() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
