/**
 * Bookkeeping shared by every manager that changes a cluster: open a run record, set phases, and turn
 * the outcome (ok, failure, Ctrl-C) into state before the lock is released.
 */
import os from 'node:os';
import { isKsctlError } from '../errors.js';
import { errorLine } from '../pipeline/executor.js';
import type { ClusterHandle, Phase } from '../state/types.js';

export async function startRun(h: ClusterHandle, command: string, phase: Phase): Promise<number> {
  const s = await h.update((st) => {
    st.phase = phase;
    st.runs.push({ command, startedAt: new Date().toISOString(), pid: process.pid, host: os.hostname() });
  });
  return s.runs.length - 1;
}

/** Records the outcome; returns nothing and never hides the original error. */
export async function endRun(
  h: ClusterHandle,
  run: number,
  outcome: { ok: true; phase: Phase } | { ok: false; error: unknown; phaseOnError: Phase },
): Promise<void> {
  await h.update((st) => {
    const r = st.runs[run];
    if (outcome.ok) {
      st.phase = outcome.phase;
      delete st.lastError;
      if (r) r.result = 'ok';
    } else {
      const interrupted = isKsctlError(outcome.error) && outcome.error.code === 'INTERRUPTED';
      st.phase = interrupted ? 'interrupted' : outcome.phaseOnError;
      st.lastError = errorLine(outcome.error);
      if (r) r.result = interrupted ? 'interrupted' : 'failed';
    }
    if (r) r.endedAt = new Date().toISOString();
  });
}

/**
 * Runs `work` as one recorded run: opens the run record in `phase`, and closes it as `okPhase` or as a
 * failure (`errorPhase`; an interruption is `interrupted`) with the error kept in state. The error is
 * rethrown untouched.
 */
export async function recordedRun<T>(
  h: ClusterHandle,
  command: string,
  phase: Phase,
  okPhase: Phase,
  work: (run: number) => Promise<T>,
  errorPhase: Phase = 'failed',
): Promise<T> {
  const run = await startRun(h, command, phase);
  try {
    const out = await work(run);
    if (h.state) await endRun(h, run, { ok: true, phase: okPhase });
    return out;
  } catch (e) {
    if (h.state) await endRun(h, run, { ok: false, error: e, phaseOnError: errorPhase });
    throw e;
  }
}
