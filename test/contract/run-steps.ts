/**
 * A minimal dependency-graph executor for provider contract tests (the real one lives in
 * src/pipeline and is not what is under test here): runs steps as soon as their needs are done,
 * with bounded concurrency; after the first failure it starts nothing new, lets running steps
 * settle and rethrows that failure.
 */
import type { ClusterSpec } from '../../src/api/types.js';
import type { ManagedCloud, SelfManagedCloud } from '../../src/cloud/types.js';
import type { Step, StepContext } from '../../src/pipeline/types.js';
import { MemoryCluster, stepContext } from '../fakes/memory-cluster.js';

/** A self-managed provider's create as steps: its infra steps, then one step per planned machine. */
export function selfManagedSteps(p: SelfManagedCloud, spec: ClusterSpec): Step[] {
  return [
    ...p.infraSteps(spec),
    ...p.machinePlan(spec).map<Step>((m) => ({
      id: `machine/${m.name}`,
      title: `machine ${m.name}`,
      needs: p.machineNeeds(m.role),
      run: async (ctx) => void (await p.ensureMachine(ctx, m)),
    })),
  ];
}

/** A create as the manager runs it (preflight, then the provider's steps) on a fresh in-memory cluster. */
export async function createWith(p: ManagedCloud | SelfManagedCloud, spec: ClusterSpec): Promise<void> {
  const ctx = stepContext(MemoryCluster.create(spec), spec);
  await p.preflight(ctx);
  await runSteps('createSteps' in p ? p.createSteps(spec) : selfManagedSteps(p, spec), ctx);
}

export async function runSteps(steps: Step[], ctx: StepContext, concurrency = 8): Promise<void> {
  const done = new Set<string>();
  const started = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let failure: { error: unknown } | undefined;
  const ids = new Set(steps.map((s) => s.id));
  for (const s of steps) for (const n of s.needs) if (!ids.has(n)) throw new Error(`step ${s.id} needs unknown ${n}`);
  for (;;) {
    if (!failure) {
      for (const s of steps) {
        if (running.size >= concurrency) break;
        if (started.has(s.id) || !s.needs.every((n) => done.has(n))) continue;
        started.add(s.id);
        running.set(
          s.id,
          s
            .run(ctx)
            .then(
              () => void done.add(s.id),
              (error: unknown) => void (failure ??= { error }),
            )
            .finally(() => running.delete(s.id)),
        );
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (failure) throw failure.error;
  const stuck = steps.filter((s) => !done.has(s.id));
  if (stuck.length) throw new Error(`steps never ran: ${stuck.map((s) => s.id).join(', ')}`);
}
