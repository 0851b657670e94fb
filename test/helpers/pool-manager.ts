/**
 * A SelfManagedManager as a ksctl process builds it, for day-2 pool tests: the real LocalStateStore in a
 * temp dir, a fake cloud's provider and an SSH pool (a stand-in), with a store that can "die": once
 * `freeze()` is called every state write fails, as nothing more is written by a killed process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SelfManagedCloud } from '../../src/cloud/types.js';
import type { SshPool } from '../../src/distro/ssh/types.js';
import { kubeconfigTarget } from '../../src/kubeconfig/loading.js';
import { SelfManagedManager } from '../../src/managers/selfmanaged/manager.js';
import { recordingNodeApi, type RecordingNodeApi } from '../fakes/node-api.js';
import type { ManagerDeps } from '../../src/managers/types.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import type { ClusterHandle, StateStore } from '../../src/state/types.js';
import { silentLogger, type Logger } from '../../src/util/log.js';
import { FrozenError } from '../fakes/memory-cluster.js';

/** A LocalStateStore whose handles stop writing once frozen (the process was killed). */
export class FreezableStore implements StateStore {
  frozen = false;
  /** Freezes after this many more writes succeed (a kill right after the Nth write); unset: never. */
  savesLeft: number | undefined;
  constructor(readonly inner: LocalStateStore) {}
  get root() {
    return this.inner.root;
  }
  list() {
    return this.inner.list();
  }
  find(...a: Parameters<StateStore['find']>) {
    return this.inner.find(...a);
  }
  read(...a: Parameters<StateStore['read']>) {
    return this.inner.read(...a);
  }
  secrets(...a: Parameters<StateStore['secrets']>) {
    return this.inner.secrets(...a);
  }
  async lock(...a: Parameters<StateStore['lock']>): Promise<ClusterHandle> {
    const h = await this.inner.lock(...a);
    const save = h.save.bind(h);
    h.save = async (s) => {
      if (this.frozen) throw new FrozenError();
      await save(s);
      if (this.savesLeft !== undefined && --this.savesLeft <= 0) this.frozen = true;
    };
    return h;
  }
}

export interface PoolBench {
  dir: string;
  /** A new "process": a fresh store object over the same directory, a new manager with `provider`. */
  manager(
    provider: SelfManagedCloud,
    opts?: { log?: Logger; command?: string; nodeApi?: RecordingNodeApi },
  ): SelfManagedManager;
  /** The store of the last manager made (to freeze it). */
  store(): FreezableStore;
  cleanup(): void;
}

export function poolBench(sshPool: () => SshPool): PoolBench {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksctl-pools-'));
  let last: FreezableStore | undefined;
  return {
    dir,
    manager(provider, opts = {}) {
      last = new FreezableStore(new LocalStateStore(path.join(dir, 'ksctl')));
      const deps: ManagerDeps = {
        store: last,
        log: opts.log ?? silentLogger,
        kubeconfig: kubeconfigTarget(path.join(dir, 'kubeconfig')),
        signal: new AbortController().signal,
        command: opts.command ?? 'ksctl scale nodepool (test)',
        env: {},
      };
      // No API server behind the stand-in SSH: the onboarding check answers from a recording fake
      // (test/fakes/node-api.ts); the real check runs in test/kubernetes and the ssh e2e files.
      return new SelfManagedManager(deps, { provider, sshPool, nodeApi: (opts.nodeApi ?? recordingNodeApi()).factory });
    },
    store: () => last!,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
