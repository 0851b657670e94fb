/**
 * Runs a plan as a dependency graph with bounded concurrency: a step starts as soon as everything it
 * needs is done. Every attempt is recorded in state before (intent) and after (result; that write is
 * shared with the next steps' intents, see attempt()). Steps already
 * done in an earlier run are skipped, so a re-run after a crash or Ctrl-C redoes only what is missing.
 * On a failure no new step starts; running ones finish; the first error is thrown.
 */
import { InterruptedError, isKsctlError } from '../errors.js';
import type { StepRecord } from '../state/types.js';
import { redact } from '../util/redact.js';
import { checkGraph, describeStep } from './graph.js';
import type { Plan, Step, StepContext, StepEvent } from './types.js';

export interface RunOptions {
  concurrency?: number;
  onEvent?: (e: StepEvent) => void;
  /** Index of this run in state.runs (recorded on each step attempt). */
  run?: number;
}

/** Whether a step's latest recorded attempt succeeded. */
export function isStepDone(steps: readonly StepRecord[], id: string): boolean {
  for (let i = steps.length - 1; i >= 0; i--) {
    if (steps[i]!.id === id) return steps[i]!.status === 'done';
  }
  return false;
}

/** The latest attempt of step `id` in run `run` (a plan's ids are unique, one attempt per run). */
function lastAttempt(steps: StepRecord[], id: string, run: number): StepRecord | undefined {
  for (let i = steps.length - 1; i >= 0; i--) {
    const r = steps[i]!;
    if (r.id === id && r.run === run) return r;
  }
  return undefined;
}

export function errorLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return redact(msg.split('\n').slice(0, 6).join('\n'));
}

export async function runPlan<C extends StepContext>(plan: Plan<C>, ctx: C, opts: RunOptions = {}): Promise<void> {
  const steps = plan.steps;
  checkGraph(steps);
  const emit = opts.onEvent ?? (() => {});
  const limit = Math.max(1, opts.concurrency ?? 16);
  const run = opts.run ?? 0;
  emit({ type: 'plan', steps: steps.map(describeStep) });

  const done = new Set<string>();
  const started = new Set<string>();
  let firstError: unknown;
  let running = 0;
  /** Results being written: a done step's record shares its write with the next step's start. */
  const recording: Promise<void>[] = [];

  for (const s of steps) {
    if (isStepDone(ctx.cluster.state?.steps ?? [], s.id)) {
      done.add(s.id);
      started.add(s.id);
      emit({ type: 'skip', step: describeStep(s), reason: 'done in an earlier run' });
    }
  }

  await new Promise<void>((resolve) => {
    const pump = (): void => {
      const stopping = firstError !== undefined || ctx.signal.aborted;
      if (!stopping) {
        for (const s of steps) {
          if (running >= limit) break;
          if (started.has(s.id) || !s.needs.every((n) => done.has(n))) continue;
          started.add(s.id);
          running++;
          void attempt(s)
            .then(
              () => done.add(s.id),
              (e: unknown) => {
                firstError ??= e;
              },
            )
            .finally(() => {
              running--;
              pump();
            });
        }
      }
      if (running === 0) resolve();
    };
    pump();
  });
  await Promise.all(recording);

  const ok = firstError === undefined && done.size === steps.length;
  emit({ type: 'end', ok });
  // The step's own error as it was thrown (its code and cause are what the caller formats).
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  if (firstError !== undefined) throw firstError;
  if (!ok)
    throw new InterruptedError(
      `interrupted: ${done.size} of ${steps.length} steps done; run the same command again to resume`,
    );

  async function attempt(s: Step<C>): Promise<void> {
    const desc = describeStep(s);
    const started = Date.now();
    await ctx.cluster.update((st) => {
      st.steps.push({ id: s.id, title: s.title, status: 'running', run, startedAt: new Date(started).toISOString() });
    });
    emit({ type: 'start', step: desc });
    // The log file keeps each step's outcome beside the scripts' output: what a failure is read from later.
    ctx.log.debug(`step started: ${s.title}`);
    try {
      await s.run(ctx);
    } catch (e) {
      const interrupted = ctx.signal.aborted || (isKsctlError(e) && e.code === 'INTERRUPTED');
      ctx.log.debug(`step ${interrupted ? 'interrupted' : 'failed'}: ${s.title}: ${errorLine(e)}`);
      await finish(s.id, interrupted ? 'interrupted' : 'failed', started, errorLine(e));
      emit({ type: 'fail', step: desc, error: errorLine(e) });
      if (interrupted && !(isKsctlError(e) && e.code === 'INTERRUPTED')) {
        throw new InterruptedError(`interrupted during "${s.title}"; run the same command again to resume`, {
          cause: e,
        });
      }
      throw e;
    }
    // Not awaited: the steps this one unblocks start at once, and their "running" records (awaited
    // before they run) go to disk in the same write as this "done" (the store writes the latest
    // document), so a later step never runs before an earlier one's result is durable.
    recording.push(
      finish(s.id, 'done', started).catch((e: unknown) => {
        firstError ??= e;
      }),
    );
    ctx.log.debug(`step done: ${s.title} (${Date.now() - started} ms)`);
    emit({ type: 'done', step: desc, durationMs: Date.now() - started });
  }

  /** Completes this run's attempt of step `id`, in the state `update` hands over (the only one it saves). */
  async function finish(id: string, status: StepRecord['status'], t0: number, error?: string): Promise<void> {
    await ctx.cluster.update((st) => {
      const record = lastAttempt(st.steps, id, run);
      if (!record) throw new Error(`step ${id} has no recorded attempt in run ${run}`);
      record.status = status;
      record.endedAt = new Date().toISOString();
      record.durationMs = Date.now() - t0;
      if (error) record.error = error;
    });
  }
}
