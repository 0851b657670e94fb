/**
 * What every day-2 command does around its one manager call: resolve the cluster, ask for sudo's
 * password (before progress draws), confirm on a terminal, then run the call with the cluster's
 * lifecycle while progress shows its steps.
 */
import type { ClusterId } from '../api/types.js';
import { InterruptedError } from '../errors.js';
import type { IoHost } from '../io/types.js';
import type { ClusterLifecycle } from '../managers/index.js';
import { KsctlManager } from '../managers/ksctl.js';
import type { ClusterState } from '../state/types.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { managerDeps } from './deps.js';
import type { SelectFlags } from './get.js';
import { sudoPasswordFor } from './sudo-password.js';

/** What a day-2 command does to one cluster, worked out from its state before anything runs. */
export interface Day2Work<T> {
  /**
   * Asked (yes/no, default no) on a terminal before anything runs; a "no" changes nothing. Not asked
   * with --yes, CI=true, without a terminal, or on a dry run.
   */
  question?: string;
  run(lifecycle: ClusterLifecycle, id: ClusterId): Promise<T>;
}

export interface Day2Run<T> {
  io: IoHost;
  id: ClusterId;
  state: ClusterState;
  result: T;
}

/** The cluster named `cluster` (or exit 2 naming the clusters there are), read without its lock. */
export async function resolveCluster(g: GlobalOptions, cenv: CommandEnv, cluster: string, flags: SelectFlags) {
  const io = cenv.io(g);
  const ksctl = new KsctlManager(managerDeps(g, cenv, io));
  const id = await ksctl.resolve(cluster, flags);
  return { io, id, state: await ksctl.describe(id) };
}

/**
 * Resolves the cluster, lets `plan` work out the change from its state (bad input exits 2 there, before
 * any prompt, lifecycle or cloud), asks its question, then runs it with the cluster's lifecycle.
 */
export async function day2<T>(
  g: GlobalOptions,
  cenv: CommandEnv,
  cluster: string,
  flags: SelectFlags & { dryRun?: boolean },
  plan: (state: ClusterState) => Day2Work<T>,
): Promise<Day2Run<T>> {
  const { io, id, state } = await resolveCluster(g, cenv, cluster, flags);
  const work = plan(state);
  if (!flags.dryRun) await confirmOrStop(io, work.question);
  const result = await withLifecycle(g, cenv, io, state, (lifecycle) => work.run(lifecycle, id), !flags.dryRun);
  return { io, id, state, result };
}

/**
 * Runs `fn` with the cluster's lifecycle while progress shows its steps. sudo's password, when the
 * machines need one and `sudo` is true, is asked first: a prompt and listr2 must not share the terminal.
 */
export async function withLifecycle<T>(
  g: GlobalOptions,
  cenv: CommandEnv,
  io: IoHost,
  state: ClusterState,
  fn: (lifecycle: ClusterLifecycle) => Promise<T>,
  sudo = true,
): Promise<T> {
  const sudoPassword = sudo ? await sudoPasswordFor(state.spec, io, cenv.env) : undefined;
  const progress = io.progress();
  const lifecycleFor = cenv.lifecycleFor ?? (await import('../managers/index.js')).lifecycleFor;
  try {
    const lifecycle = await lifecycleFor(state.type, {
      ...managerDeps(g, cenv, io, progress),
      ...(sudoPassword ? { sudoPassword } : {}),
    });
    return await fn(lifecycle);
  } finally {
    await progress.close();
  }
}

/** On a terminal, asks `question` (default no); anything but yes stops with nothing changed. */
export async function confirmOrStop(io: IoHost, question: string | undefined): Promise<void> {
  if (question === undefined || !io.interactive) return;
  const ok = await io.prompt.confirm({ message: question, default: false });
  if (!ok) throw new InterruptedError('cancelled: nothing was changed');
}
