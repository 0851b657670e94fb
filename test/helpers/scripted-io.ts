/**
 * An IoHost whose person at the terminal is a script: each question takes the next answer, checked
 * against the question's message, and an answer the question's `validate` refuses is recorded and the
 * question asked again with the answer after it (as the real prompt does). Output is kept.
 */
import { InterruptedError } from '../../src/errors.js';
import type { IoHost, Prompter, Validate } from '../../src/io/types.js';
import { silentLogger } from '../../src/util/log.js';

/** One answer: to the question whose message matches `ask`; `cancel` presses Ctrl-C there. */
export type Answer = { ask: RegExp; answer: string | number | boolean | undefined } | { ask: RegExp; cancel: true };

export interface ScriptedIo extends IoHost {
  /** The messages asked, in order. */
  readonly asked: string[];
  /** What `validate` refused, as `message: reason`. */
  readonly refused: string[];
  readonly stdout: string[];
  readonly stderr: string[];
  /** Answers not used yet. */
  readonly unused: Answer[];
}

export function scriptedIo(answers: Answer[], opts: { interactive?: boolean } = {}): ScriptedIo {
  const queue = [...answers];
  const asked: string[] = [];
  const refused: string[] = [];
  const next = <T>(message: string, validate?: Validate<T>, fallback?: T): T => {
    for (;;) {
      asked.push(message);
      const a = queue.shift();
      if (!a) throw new Error(`no scripted answer for "${message}"`);
      if (!a.ask.test(message)) throw new Error(`asked "${message}" where the script expected ${a.ask}`);
      if ('cancel' in a) throw new InterruptedError('cancelled at the prompt');
      const value = (a.answer === undefined ? fallback : a.answer) as T;
      const verdict = validate?.(value) ?? true;
      if (verdict === true) return value;
      refused.push(`${message}: ${verdict}`);
    }
  };
  const prompt: Prompter = {
    input: async (q) => String(next<string>(q.message, q.validate, q.default)),
    select: async (q) => {
      const v = next<string>(q.message, undefined, q.default);
      const choice = q.choices.find((c) => c.value === v);
      if (!choice)
        throw new Error(`"${v}" is not a choice of "${q.message}": ${q.choices.map((c) => c.value).join(', ')}`);
      return choice.value;
    },
    number: async (q) => next<number | undefined>(q.message, q.validate, q.default),
    confirm: async (q) => next<boolean>(q.message, undefined, q.default),
    password: async (q) => String(next<string>(q.message)),
  };
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    asked,
    refused,
    stdout,
    stderr,
    get unused() {
      return [...queue];
    },
    interactive: opts.interactive ?? true,
    fancy: false,
    color: false,
    verbose: false,
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    log: silentLogger,
    attachLogFile: () => {},
    prompt,
    progress: () => ({ onEvent: () => {}, close: async () => {} }),
  };
}
