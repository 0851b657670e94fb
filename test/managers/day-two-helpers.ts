/** What the day-2 manager tests share: a real local state store in a temporary directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClusterSpec } from '../../src/api/types.js';
import { clusterIdOf } from '../../src/api/types.js';
import type { ProviderHooks, SelfManagedCloud } from '../../src/cloud/types.js';
import { kubeconfigTarget } from '../../src/kubeconfig/loading.js';
import type { ManagerDeps } from '../../src/managers/types.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import type { ClusterState } from '../../src/state/types.js';
import { newClusterState } from '../../src/state/new-state.js';
import { silentLogger } from '../../src/util/log.js';
import { runSteps } from '../contract/run-steps.js';

export interface Sandbox {
  deps: ManagerDeps;
  dir: string;
  cleanup(): void;
}

export function sandbox(providerHooks: ProviderHooks): Sandbox {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-day2-'));
  return {
    dir,
    deps: {
      store: new LocalStateStore(path.join(dir, 'state')),
      log: silentLogger,
      kubeconfig: kubeconfigTarget(path.join(dir, 'kubeconfig'), {}),
      signal: new AbortController().signal,
      command: 'ksctl test',
      providerHooks,
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function stateOf(deps: ManagerDeps, spec: ClusterSpec): Promise<ClusterState> {
  const s = await deps.store.read(clusterIdOf(spec));
  if (!s) throw new Error(`no state for ${spec.name}`);
  return s;
}

/** The state file's bytes: a dry run or a refused input must leave them as they were. */
export async function stateBytes(deps: ManagerDeps, spec: ClusterSpec): Promise<string> {
  return JSON.stringify(await deps.store.read(clusterIdOf(spec)));
}

/**
 * A self-managed cluster whose infrastructure exists (network, firewall, SSH key: the provider's
 * infra steps, run against its fake) and whose state says ready: what access changes work on. No
 * machines: the firewall is all an access change touches.
 */
export async function seedSelfManaged(deps: ManagerDeps, spec: ClusterSpec, provider: SelfManagedCloud): Promise<void> {
  const h = await deps.store.lock(clusterIdOf(spec), 'ksctl test seed');
  try {
    await h.save(newClusterState(spec));
    await runSteps(provider.infraSteps(spec), { spec, cluster: h, log: silentLogger, signal: deps.signal });
    await h.update((s) => {
      s.phase = 'ready';
    });
  } finally {
    h.release();
  }
}
