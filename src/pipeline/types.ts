/**
 * Steps and plans. A plan is data (ids, titles, dependencies, details) that `--dry-run` prints; the
 * same steps carry a `run` function that the executor calls. Modelled on kind's actions and eksctl's
 * tasks: each step describes itself and does one thing.
 */
import type { ClusterSpec } from '../api/types.js';
import type { ClusterHandle } from '../state/types.js';
import type { Logger } from '../util/log.js';

/** What every step gets: no globals. */
export interface StepContext {
  readonly spec: ClusterSpec;
  readonly cluster: ClusterHandle;
  readonly log: Logger;
  /** Aborted on Ctrl-C / SIGTERM: long waits must honour it. */
  readonly signal: AbortSignal;
}

export interface StepDescription {
  id: string;
  title: string;
  /** Ids of the steps this one waits for. */
  needs: string[];
  /** Resource or machine this step ensures, for the plan view. */
  target?: string;
  /** Extra facts for `--dry-run` (script names, ports, sizes). */
  details?: Record<string, unknown>;
}

export interface Step<C extends StepContext = StepContext> extends StepDescription {
  /** Must be idempotent: an "ensure". Re-running after a crash at any point converges. */
  run(ctx: C): Promise<void>;
}

export interface Plan<C extends StepContext = StepContext> {
  steps: Step<C>[];
}

export type StepEvent =
  | { type: 'plan'; steps: StepDescription[] }
  | { type: 'start'; step: StepDescription }
  | { type: 'output'; step: StepDescription; line: string }
  | { type: 'done'; step: StepDescription; durationMs: number }
  | { type: 'skip'; step: StepDescription; reason: string }
  | { type: 'fail'; step: StepDescription; error: string }
  | { type: 'end'; ok: boolean };
