/** Builds manager dependencies from global options (state dir, kubeconfig target, logging, progress). */
import { kubeconfigTarget } from '../kubeconfig/loading.js';
import type { ManagerDeps } from '../managers/types.js';
import { LocalStateStore } from '../state/local/store.js';
import { defaultStateRoot } from '../state/local/paths.js';
import type { IoHost, ProgressReporter } from '../io/types.js';
import type { CommandEnv, GlobalOptions } from './context.js';

export function managerDeps(g: GlobalOptions, cenv: CommandEnv, io: IoHost, progress?: ProgressReporter): ManagerDeps {
  return {
    // A getter: whether anyone may be asked is decided on first use, so `switch` and `get` never touch
    // stdin (creating it loads Node's stream and tty modules at start-up).
    get askSecret() {
      return io.interactive ? (message: string) => io.prompt.password({ message }) : undefined;
    },
    store: new LocalStateStore(g.stateDir ?? defaultStateRoot(cenv.env)),
    log: io.log,
    kubeconfig: kubeconfigTarget(g.kubeconfig, cenv.env),
    signal: cenv.signal,
    command: `ksctl ${cenv.argv.join(' ')}`.trim(),
    env: cenv.env,
    attachLogFile: (f) => io.attachLogFile(f),
    ...(cenv.providerHooks ? { providerHooks: cenv.providerHooks } : {}),
    ...(progress ? { onEvent: (e) => progress.onEvent(e) } : {}),
  };
}
