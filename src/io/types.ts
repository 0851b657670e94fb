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
   * Asks for a secret on the terminal (input masked, never echoed, never logged). Only when
   * `interactive`; throws InterruptedError if the person cancels.
   */
  askSecret(message: string): Promise<string>;
  /** A reporter for one plan run. */
  progress(): ProgressReporter;
}

export interface ProgressReporter {
  onEvent(e: StepEvent): void;
  /** Waits until the renderer has drawn the last state. */
  close(): Promise<void>;
}
