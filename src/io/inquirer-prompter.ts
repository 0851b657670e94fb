/**
 * The real Prompter: @inquirer/prompts, loaded only when someone is asked something. A cancelled
 * prompt (Ctrl-C, Esc) becomes an InterruptedError. Secrets are asked on stderr, like every message.
 */
import type * as InquirerModule from '@inquirer/prompts';
import { InterruptedError } from '../errors.js';
import type { Prompter } from './types.js';

type Inquirer = typeof InquirerModule;

async function ask<T>(question: (q: Inquirer) => Promise<T>): Promise<T> {
  const inquirer = await import('@inquirer/prompts');
  try {
    return await question(inquirer);
  } catch (e) {
    if ((e as Error).name === 'ExitPromptError') throw new InterruptedError('cancelled at the prompt');
    throw e;
  }
}

export function inquirerPrompter(stderr: () => NodeJS.WriteStream): Prompter {
  return {
    input: (q) => ask((i) => i.input(q)),
    select: (q) => ask((i) => i.select(q)),
    number: (q) => ask((i) => i.number(q)),
    confirm: (q) => ask((i) => i.confirm(q)),
    password: (q) => ask((i) => i.password({ ...q, mask: true }, { output: stderr() })),
  };
}
