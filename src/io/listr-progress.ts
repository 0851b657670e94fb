/**
 * Progress on a terminal with listr2. The executor decides when steps run; listr2 only draws: each
 * step is a listr task that waits for the executor's events for that step.
 */
import { Listr, type ListrTaskWrapper } from 'listr2';
import type { StepDescription, StepEvent } from '../pipeline/types.js';
import { redact } from '../util/redact.js';
import type { ProgressReporter } from './types.js';

interface Pending {
  started: Promise<void>;
  start(): void;
  settled: Promise<{ kind: 'done' | 'skip' | 'fail'; text: string }>;
  settle(r: { kind: 'done' | 'skip' | 'fail'; text: string }): void;
  task?: ListrTaskWrapper<unknown, never, never>;
}

function pending(): Pending {
  let start!: () => void;
  let settle!: Pending['settle'];
  const started = new Promise<void>((r) => (start = r));
  const settled = new Promise<{ kind: 'done' | 'skip' | 'fail'; text: string }>((r) => (settle = r));
  return { started, start, settled, settle };
}

export function listrProgress(): ProgressReporter {
  const steps = new Map<string, Pending>();
  let run: Promise<unknown> = Promise.resolve();
  const get = (s: StepDescription) => {
    let p = steps.get(s.id);
    if (!p) steps.set(s.id, (p = pending()));
    return p;
  };
  return {
    onEvent(e: StepEvent) {
      if (e.type === 'plan') {
        const list = new Listr(
          e.steps.map((s) => ({
            title: s.title,
            task: async (_ctx: unknown, task: ListrTaskWrapper<unknown, never, never>) => {
              const p = get(s);
              p.task = task;
              const r = await p.settled;
              if (r.kind === 'skip') task.skip(`${s.title} (${r.text})`);
              if (r.kind === 'fail') throw new Error(r.text);
              if (r.kind === 'done') task.title = `${s.title} (${r.text})`;
            },
          })),
          { concurrent: true, exitOnError: false },
        );
        run = list.run().catch(() => undefined);
        return;
      }
      if (e.type === 'end') {
        for (const p of steps.values()) p.settle({ kind: 'skip', text: 'not run' });
        return;
      }
      const p = get(e.step);
      if (e.type === 'start') p.start();
      else if (e.type === 'output' && p.task) p.task.output = redact(e.line);
      else if (e.type === 'done') p.settle({ kind: 'done', text: `${(e.durationMs / 1000).toFixed(1)}s` });
      else if (e.type === 'skip') p.settle({ kind: 'skip', text: e.reason });
      else if (e.type === 'fail') p.settle({ kind: 'fail', text: redact(e.error.split('\n')[0] ?? '') });
    },
    close: async () => {
      await run;
    },
  };
}
