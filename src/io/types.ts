/**
 * Injected input/output (the AWS CDK's IoHost idea): commands print and ask through this, so tests can
 * drive them without a terminal, and managers only ever see a Logger and a step-event callback.
 */
import type { StepEvent } from '../pipeline/types.js';
import type { Logger } from '../util/log.js';

export interface IoHost {
  /** A person at a terminal who may be asked questions (TTY, not CI, no --yes). */
  readonly interactive: boolean;
  /** stderr is a terminal: rich progress (listr2) instead of one line per step. */
  readonly fancy: boolean;
  readonly color: boolean;
  readonly verbose: boolean;
  /** Results for scripts and people: stdout. */
  out(text: string): void;
  /** Messages: stderr. */
  err(text: string): void;
  /** Logger that writes to stderr with --verbose and to a file once attached. */
  readonly log: Logger;
  /** Also log to this file (the cluster's ksctl.log), redacted. */
  attachLogFile(file: string): void;
  /**
   * Questions for the person at the terminal; use only when `interactive`. Each throws
   * InterruptedError if the person cancels. Tests answer them with a scripted host.
   */
  readonly prompt: Prompter;
  /** A reporter for one plan run. */
  progress(): ProgressReporter;
}

export interface ProgressReporter {
  onEvent(e: StepEvent): void;
  /** Waits until the renderer has drawn the last state. */
  close(): Promise<void>;
}

/** One choice of a `select`. */
export interface Choice<T extends string> {
  value: T;
  /** Shown instead of the value. */
  name?: string;
}

/** Answers that fail `validate` (it returns the message) are asked again. */
export type Validate<T> = (value: T) => string | true;

/** The questions ksctl asks (the subset of @inquirer/prompts it uses). */
export interface Prompter {
  input(q: { message: string; default?: string; validate?: Validate<string> }): Promise<string>;
  select<T extends string>(q: { message: string; choices: Choice<T>[]; default?: T }): Promise<T>;
  number(q: {
    message: string;
    default?: number;
    validate?: Validate<number | undefined>;
  }): Promise<number | undefined>;
  confirm(q: { message: string; default?: boolean }): Promise<boolean>;
  /** Input masked, never echoed, never logged. */
  password(q: { message: string }): Promise<string>;
}
