/**
 * One outline for every operation on a cluster (ARCHITECTURE.md, "Day 2"): take the lock, load state,
 * compare the spec, preflight, plan, run the recorded plan, release, update the kubeconfig. Managers
 * say only what differs (their preflight, first state, plan); a new day-2 operation is a new plan.
 */
import { formatClusterId, type ClusterId, type ClusterSpec } from '../api/types.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { runPlan } from '../pipeline/executor.js';
import type { Step, StepContext } from '../pipeline/types.js';
import type { ClusterHandle, ClusterState, Phase } from '../state/types.js';
import { KsctlManager } from './ksctl.js';
import { recordedRun } from './run-record.js';
import { assertSameSpec } from './spec-drift.js';
import type { ManagerDeps } from './types.js';

/** `create` makes or resumes a cluster; `delete` removes it; `update` changes one that exists (day 2). */
export type OperationKind = 'create' | 'delete' | 'update';

/** The run an operation plans: its steps, the context they get, and what the operation returns. */
export interface PlannedRun<C extends StepContext, T> {
  steps: Step<C>[];
  ctx: C;
  concurrency?: number;
  result: T;
}

/** A plan may find nothing to do (a renewal with nothing due): no run is recorded, the lock is released. */
export interface NothingToDo<T> {
  nothingToDo: true;
  result: T;
}

export interface Operation<C extends StepContext, T> {
  kind: OperationKind;
  id: ClusterId;
  /** `create`: the spec asked for (compared with the recorded one on a resume). */
  spec?: ClusterSpec;
  /** `create`: merge the cluster's context into the user's kubeconfig and make it current. */
  switchContext?: boolean;
  /** Checks before anything is written (`h.state` is undefined for a new cluster). */
  preflight?(h: ClusterHandle, ctx: StepContext): Promise<void>;
  /** `create` of a new cluster: the first state, written after the preflight. */
  firstState?(ctx: StepContext): Promise<ClusterState>;
  /**
   * `update` only: the phase the cluster keeps through the run, given its state (a backup is no change
   * to the cluster: its run neither marks it updating nor, when it fails, failed). Without it, the kind's phases.
   */
  keepPhase?(s: ClusterState): Phase;
  /** The steps and their context; may record intent in state first. */
  plan(h: ClusterHandle): Promise<PlannedRun<C, T> | NothingToDo<T>>;
  /** Inside the recorded run, after its steps succeeded. */
  afterRun?(h: ClusterHandle): Promise<void>;
  /** Frees what the operation opened (SSH connections), before the lock is released. */
  close?(): void;
}

const PHASES: Record<OperationKind, [running: Phase, ok: Phase]> = {
  create: ['creating', 'ready'],
  // A successful delete removes the state, so only a failure is recorded (its ok phase is never written).
  delete: ['deleting', 'deleting'],
  update: ['updating', 'ready'],
};

export interface OperationResult<T> {
  result: T;
  /** `create`: the kubeconfig context and the files it was merged into. */
  kubeconfig?: { context: string; files: string[] };
}

/** What every step of a run gets. */
export function stepContext(deps: ManagerDeps, h: ClusterHandle, spec: ClusterSpec): StepContext {
  return { spec, cluster: h, log: deps.log, signal: deps.signal };
}

export async function runOperation<C extends StepContext, T>(
  deps: ManagerDeps,
  op: Operation<C, T>,
): Promise<OperationResult<T>> {
  const h = await deps.store.lock(op.id, deps.command);
  let result: T;
  try {
    const spec = loadAndCompare(h, op);
    if (op.kind === 'create' && h.state) await recordConsent(h, spec);
    const ctx = stepContext(deps, h, spec);
    await op.preflight?.(h, ctx);
    if (op.kind === 'create' && !h.state) await h.save(await op.firstState!(ctx));
    deps.attachLogFile?.(h.logFile);
    // Planned before the run is recorded: a bad day-2 input (checked against state) writes nothing.
    const planned = await op.plan(h);
    if ('nothingToDo' in planned) return { result: planned.result };
    const kept = op.keepPhase && h.state ? op.keepPhase(h.state) : undefined;
    const [phase, okPhase] = kept ? [kept, kept] : PHASES[op.kind];
    const work = async (run: number) => {
      await runPlan({ steps: planned.steps }, planned.ctx, {
        run,
        concurrency: planned.concurrency,
        onEvent: deps.onEvent,
      });
      await op.afterRun?.(h);
      return planned.result;
    };
    result = await recordedRun(h, deps.command, phase, okPhase, work, kept ?? 'failed');
    if (op.kind === 'delete') {
      await new KsctlManager(deps).forget(op.id);
      await h.remove();
    }
  } finally {
    op.close?.();
    h.release();
  }
  if (op.kind !== 'create') return { result };
  return { result, kubeconfig: await new KsctlManager(deps).switch(op.id, op.switchContext ?? true) };
}

/** The spec the operation starts from; a resumed create must ask for the recorded cluster. */
function loadAndCompare<C extends StepContext, T>(h: ClusterHandle, op: Operation<C, T>): ClusterSpec {
  if (op.kind === 'create') {
    if (h.state) assertSameSpec(h.state.spec, op.spec!);
    return op.spec!;
  }
  if (!h.state) throw new NotFoundError(`cluster ${formatClusterId(op.id)} has no state`);
  if (op.kind === 'update' && (h.state.phase === 'creating' || h.state.phase === 'deleting')) {
    throw new ConflictError(`cluster ${formatClusterId(op.id)} is ${h.state.phase}; finish that first`);
  }
  return h.state.spec;
}

/** The consent fields assertSameSpec lets change are recorded, so later day-2 runs use them too. */
async function recordConsent(h: ClusterHandle, spec: ClusterSpec): Promise<void> {
  if (JSON.stringify(h.state!.spec.kubelet) === JSON.stringify(spec.kubelet)) return;
  await h.update((s) => {
    s.spec.kubelet = spec.kubelet;
  });
}
