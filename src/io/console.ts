/** The real IoHost: process stdout/stderr, TTY and CI detection, NO_COLOR. */
import { colorRequestedOff } from './color.js';
import { redact } from '../util/redact.js';
import { SinkLogger } from './logger.js';
import { plainProgress } from './plain-progress.js';
import { writeStdout } from './stdout.js';
import { inquirerPrompter } from './inquirer-prompter.js';
import type { IoHost, Prompter, ProgressReporter } from './types.js';

export interface ConsoleOptions {
  verbose: boolean;
  yes: boolean;
  noColor: boolean;
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

export function isCI(env: NodeJS.ProcessEnv): boolean {
  return !!env.CI && env.CI !== 'false' && env.CI !== '0';
}

export class ConsoleIo implements IoHost {
  readonly verbose: boolean;
  readonly log: SinkLogger;
  readonly prompt: Prompter;
  private readonly opts: ConsoleOptions;
  private readonly env: NodeJS.ProcessEnv;

  // process.stdin/stdout/stderr and their isTTY are looked at only when first needed: creating those
  // streams loads Node's stream, net and fs/promises modules, which `switch` and `get` would otherwise
  // pay for at start-up without ever prompting or drawing progress.
  constructor(o: ConsoleOptions) {
    this.opts = o;
    this.env = o.env ?? process.env;
    this.verbose = o.verbose;
    this.log = new SinkLogger(o.verbose, (l) => this.err(l));
    this.prompt = inquirerPrompter(() => this.stderr);
  }

  private get stderr(): NodeJS.WriteStream {
    return this.opts.stderr ?? process.stderr;
  }

  get interactive(): boolean {
    const stdin = this.opts.stdin ?? process.stdin;
    return !!stdin.isTTY && !!this.stderr.isTTY && !isCI(this.env) && !this.opts.yes;
  }

  get fancy(): boolean {
    return !!this.stderr.isTTY && !isCI(this.env) && !this.opts.verbose;
  }

  get color(): boolean {
    // session.ts has already made the libraries agree (color.ts); this is the same decision for our own text.
    return !this.opts.noColor && !colorRequestedOff([], this.env) && !!this.stderr.isTTY;
  }

  out(text: string): void {
    const line = text.endsWith('\n') ? text : `${text}\n`;
    if (this.opts.stdout) this.opts.stdout.write(line);
    else writeStdout(line);
  }

  err(text: string): void {
    const t = redact(text);
    this.stderr.write(t.endsWith('\n') ? t : `${t}\n`);
  }

  attachLogFile(file: string): void {
    this.log.attachFile(file);
  }

  progress(): ProgressReporter {
    if (!this.fancy) return plainProgress((l) => this.err(l));
    // listr2 is loaded only when there is a terminal to draw on.
    let inner: ProgressReporter | undefined;
    const queue: Parameters<ProgressReporter['onEvent']>[0][] = [];
    const ready = import('./listr-progress.js').then((m) => {
      inner = m.listrProgress();
      for (const e of queue.splice(0)) inner.onEvent(e);
    });
    return {
      onEvent: (e) => (inner ? inner.onEvent(e) : queue.push(e)),
      close: async () => {
        await ready;
        await inner?.close();
      },
    };
  }
}
