/** What every manager is built with: no globals, everything injected (tests pass their own). */
import type { ProviderHooks } from '../cloud/types.js';
import type { StepEvent } from '../pipeline/types.js';
import type { KubeconfigTarget } from '../kubeconfig/types.js';
import type { StateStore } from '../state/types.js';
import type { Logger } from '../util/log.js';

export interface ManagerDeps {
  store: StateStore;
  log: Logger;
  /** Where `switch` and `delete` read and write the user's kubeconfig. */
  kubeconfig: KubeconfigTarget;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  /** Step progress (listr2 or plain lines, chosen by the command layer). */
  onEvent?: (e: StepEvent) => void;
  /** The cluster's log file, once known. */
  attachLogFile?: (file: string) => void;
  /** Command line recorded in lock files and run history. */
  command: string;
  /** Process environment (self-managed knobs: KSCTL_SSH_WAIT_SECONDS, KSCTL_SUDO_PASSWORD, KSCTL_SSH_KEY_PASSPHRASE, SSH_AUTH_SOCK). */
  env?: NodeJS.ProcessEnv;
  /**
   * Asks the person at the terminal for a secret (an SSH key's passphrase), input hidden; absent when
   * nobody may be asked (no TTY, CI, --yes).
   */
  askSecret?: (message: string) => Promise<string>;
  /** sudo's password for self-managed machines (asked or read by the command layer; never stored). */
  sudoPassword?: string;
  /** Injected into the cloud providers the managers load (tests' fake clouds, benchmarks). */
  providerHooks?: ProviderHooks;
  /** Maximum steps running at once. */
  concurrency?: number;
}
