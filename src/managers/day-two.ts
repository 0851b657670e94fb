/**
 * What the day-2 operations on one cluster share (access.ts and upgrade.ts of each manager): a dry
 * run reads the recorded state without the lock and writes nothing; step ids that never repeat
 * across operations (the executor skips an id whose latest attempt is done, so a later change must
 * not reuse an earlier change's id).
 */
import { formatClusterId, type ClusterId } from '../api/types.js';
import { NotFoundError } from '../errors.js';
import { describeStep } from '../pipeline/graph.js';
import type { StepContext, StepDescription, Step } from '../pipeline/types.js';
import type { ClusterHandle, ClusterState } from '../state/types.js';
import type { ManagerDeps } from './types.js';

/** The recorded state, read without the lock (dry runs): nothing is written. */
export async function recordedState(deps: ManagerDeps, id: ClusterId): Promise<ClusterState> {
  const s = await deps.store.read(id);
  if (!s) throw new NotFoundError(`cluster ${formatClusterId(id)} has no state`);
  return s;
}

/** The steps as `--dry-run` and the result show them. */
export function described<C extends StepContext>(steps: Step<C>[]): StepDescription[] {
  return steps.map(describeStep);
}

/**
 * The id prefix of one day-2 change: its kind and the run it starts in (the next entry of
 * state.runs). A re-run after a crash is a new run and redoes the change's steps, which are all
 * idempotent against the cloud.
 */
export function changeId(kind: string, s: Pick<ClusterState, 'runs'>): string {
  return `${kind}@${s.runs.length}`;
}

/**
 * A handle on the recorded state for a dry run's read-only cloud calls (the live version list): any
 * write fails, so a dry run cannot change state even by mistake.
 */
export function readOnlyHandle(deps: ManagerDeps, s: ClusterState): ClusterHandle {
  const refuse = (): never => {
    throw new Error('a dry run writes nothing');
  };
  return {
    id: s.id,
    dir: '',
    state: s,
    secrets: deps.store.secrets(s.id),
    logFile: '',
    save: async () => refuse(),
    update: async () => refuse(),
    remove: async () => refuse(),
    release: () => {},
  };
}
