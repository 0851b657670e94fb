/**
 * What every command action gets from the entry point: the parsed global options, the IoHost and the
 * process-level bits (env, abort signal). Built once per invocation in src/cli/main.ts.
 */
import type { ClusterType } from '../api/types.js';
import type { ProviderHooks } from '../cloud/types.js';
import type { IoHost } from '../io/types.js';
import type { ClusterLifecycle } from '../managers/index.js';
import type { ManagerDeps } from '../managers/types.js';

export type OutputFormat = 'table' | 'json' | 'yaml';

export interface GlobalOptions {
  verbose: boolean;
  kubeconfig?: string;
  stateDir?: string;
  color: boolean;
  output?: OutputFormat;
  yes: boolean;
}

export interface CommandEnv {
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Created lazily from the global options once commander has parsed them. */
  io(opts: GlobalOptions): IoHost;
  /** The command line, for lock files and run history. */
  argv: string[];
  /** Injected into the cloud providers (tests' fake clouds); absent in production. */
  providerHooks?: ProviderHooks;
  /**
   * The day-2 commands' lifecycle (managers/index.ts lifecycleFor); tests put a recording double here to
   * read what a command asked of the managers. Absent in production.
   */
  lifecycleFor?: (type: ClusterType, deps: ManagerDeps) => Promise<ClusterLifecycle>;
}
