/** The plan executor: dependency order, bounded concurrency, resume, failure and Ctrl-C handling. */
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../src/errors.js';
import { runPlan } from '../../src/pipeline/executor.js';
import { waves } from '../../src/pipeline/graph.js';
import type { Step, StepContext, StepEvent } from '../../src/pipeline/types.js';
import { memoryContext, type memoryLogger } from '../fakes/memory-cluster.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

function step(
  id: string,
  needs: string[],
  log: string[],
  opts: { fail?: boolean; live?: { now: number; max: number } } = {},
): Step {
  return {
    id,
    title: `step ${id}`,
    needs,
    async run() {
      if (opts.live) opts.live.max = Math.max(opts.live.max, ++opts.live.now);
      log.push(`start ${id}`);
      await tick();
      if (opts.live) opts.live.now--;
      if (opts.fail) throw new Error(`${id} broke`);
      log.push(`end ${id}`);
    },
  };
}

describe('runPlan', () => {
  it('starts a step as soon as its needs are done, never before', async () => {
    const log: string[] = [];
    const ctx = memoryContext();
    await runPlan(
      { steps: [step('c', ['a', 'b'], log), step('a', [], log), step('b', ['a'], log), step('d', ['a'], log)] },
      ctx,
    );
    expect(log.indexOf('start b')).toBeGreaterThan(log.indexOf('end a'));
    expect(log.indexOf('start c')).toBeGreaterThan(log.indexOf('end b'));
    expect(log.indexOf('start d')).toBeLessThan(log.indexOf('end b')); // d and b run together
    expect(ctx.cluster.state!.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done']);
  });

  it("logs each step's start, end and failure (what test/helpers/cli.ts clusterLog picks out of ksctl.log)", async () => {
    const ctx = memoryContext();
    const log = ctx.log as ReturnType<typeof memoryLogger>;
    await expect(runPlan({ steps: [step('a', [], []), step('b', ['a'], [], { fail: true })] }, ctx)).rejects.toThrow(
      'b broke',
    );
    expect(log.lines.filter((l) => / step /.test(` ${l}`))).toEqual([
      'debug step started: step a',
      expect.stringMatching(/^debug step done: step a \(\d+ ms\)$/),
      'debug step started: step b',
      'debug step failed: step b: b broke',
    ]);
  });

  it('bounds concurrency', async () => {
    const live = { now: 0, max: 0 };
    const log: string[] = [];
    await runPlan({ steps: Array.from({ length: 20 }, (_, i) => step(`s${i}`, [], log, { live })) }, memoryContext(), {
      concurrency: 4,
    });
    expect(live.max).toBe(4);
  });

  it('skips steps done in an earlier run and redoes the rest', async () => {
    const ctx = memoryContext();
    const first: string[] = [];
    await expect(
      runPlan({ steps: [step('a', [], first), step('b', ['a'], first, { fail: true }), step('c', ['b'], first)] }, ctx),
    ).rejects.toThrow('b broke');
    expect(first).toEqual(['start a', 'end a', 'start b']);
    const second: string[] = [];
    const events: StepEvent[] = [];
    await runPlan({ steps: [step('a', [], second), step('b', ['a'], second), step('c', ['b'], second)] }, ctx, {
      onEvent: (e) => events.push(e),
    });
    expect(second).toEqual(['start b', 'end b', 'start c', 'end c']);
    expect(events.filter((e) => e.type === 'skip').map((e) => (e as { step: { id: string } }).step.id)).toEqual(['a']);
    expect(ctx.cluster.state!.steps.map((s) => `${s.id}:${s.status}`)).toEqual([
      'a:done',
      'b:running'.replace('running', 'failed'),
      'b:done',
      'c:done',
    ]);
  });

  it('starts nothing new after a failure but lets running steps finish', async () => {
    const log: string[] = [];
    await expect(
      runPlan(
        { steps: [step('x', [], log, { fail: true }), step('y', [], log), step('z', ['y'], log)] },
        memoryContext(),
      ),
    ).rejects.toThrow('x broke');
    expect(log).toContain('end y');
    expect(log).not.toContain('start z');
  });

  it('on abort records the running step as interrupted and throws InterruptedError', async () => {
    const controller = new AbortController();
    const ctx: StepContext = { ...memoryContext(), signal: controller.signal };
    const slow: Step = {
      id: 'slow',
      title: 'slow',
      needs: [],
      run: (c) => new Promise((_r, reject) => c.signal.addEventListener('abort', () => reject(new Error('aborted')))),
    };
    const p = runPlan({ steps: [slow, { ...slow, id: 'after', needs: ['slow'] }] }, ctx);
    await tick();
    controller.abort();
    await expect(p).rejects.toBeInstanceOf(InterruptedError);
    expect(ctx.cluster.state!.steps.map((s) => s.status)).toEqual(['interrupted']);
  });

  it('rejects unknown dependencies and cycles', async () => {
    await expect(runPlan({ steps: [step('a', ['nope'], [])] }, memoryContext())).rejects.toThrow(/unknown step nope/);
    expect(() =>
      waves([
        { id: 'a', title: 'a', needs: ['b'] },
        { id: 'b', title: 'b', needs: ['a'] },
      ]),
    ).toThrow(/cycle/);
  });
});
