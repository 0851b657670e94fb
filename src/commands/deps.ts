/** Builds manager dependencies from global options (state dir, kubeconfig target, logging, progress). */
import { kubeconfigTarget } from '../kubeconfig/loading.js';
import type { ManagerDeps } from '../managers/types.js';
import { LocalStateStore } from '../state/local/store.js';
import { defaultStateRoot } from '../state/local/paths.js';
import type { IoHost, ProgressReporter } from '../io/types.js';
import type { CommandEnv, GlobalOptions } from './context.js';

export function managerDeps(g: GlobalOptions, cenv: CommandEnv, io: IoHost, progress?: ProgressReporter): ManagerDeps {
  return {
    store: new LocalStateStore(g.stateDir ?? defaultStateRoot(cenv.env)),
    log: io.log,
    kubeconfig: kubeconfigTarget(g.kubeconfig, cenv.env),
    signal: cenv.signal,
    command: `ksctl ${cenv.argv.join(' ')}`.trim(),
    env: cenv.env,
    attachLogFile: (f) => io.attachLogFile(f),
    ...(progress ? { onEvent: (e) => progress.onEvent(e) } : {}),
    ...(io.interactive ? { askSecret: async (message: string) => (await import('./prompts.js')).askSecret(message) } : {}),
  };
}
