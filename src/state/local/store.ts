/**
 * The local JSON state store: one directory per cluster under $KSCTL_HOME (see paths.ts).
 * Reads need no lock (writes are atomic renames); every change goes through a locked ClusterHandle.
 */
import { existsSync, promises as fs, rmdirSync } from 'node:fs';
import path from 'node:path';
import { PROVIDERS, formatClusterId, type ClusterId } from '../../api/types.js';
import { StateError } from '../../errors.js';
import type { ClusterHandle, ClusterState, SecretStore, StateStore } from '../types.js';
import { writeFileAtomic } from './atomic.js';
import { dirs, listSummaries, type Listing } from './list.js';
import { LOG_FILE, SECRETS_DIR, STATE_FILE, clusterDir, clustersDir, defaultStateRoot } from './paths.js';
import { readStateFile } from './read-state.js';
import { FileSecretStore } from './secrets.js';

export class LocalStateStore implements StateStore {
  readonly root: string;

  constructor(root: string = defaultStateRoot()) {
    this.root = path.resolve(root);
  }

  async list(): Promise<Listing> {
    return listSummaries(this.root);
  }

  async find(name: string, filter: Partial<Omit<ClusterId, 'name'>> = {}): Promise<ClusterId[]> {
    // Looks for this name only (one check per region, not one per cluster): `switch` starts faster. A
    // name that could not be a directory entry matches nothing, as when every entry was listed.
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) return [];
    const base = clustersDir(this.root);
    const out: ClusterId[] = [];
    for (const provider of filter.provider ? [filter.provider] : PROVIDERS) {
      for (const region of dirs(path.join(base, provider))) {
        if (filter.region && region !== filter.region) continue;
        if (existsSync(path.join(base, provider, region, name, STATE_FILE))) out.push({ provider, region, name });
      }
    }
    return out;
  }

  async read(id: ClusterId): Promise<ClusterState | undefined> {
    return readStateFile(path.join(clusterDir(this.root, id), STATE_FILE), id);
  }

  secrets(id: ClusterId): SecretStore {
    return new FileSecretStore(path.join(clusterDir(this.root, id), SECRETS_DIR));
  }

  async lock(id: ClusterId, command: string): Promise<ClusterHandle> {
    const dir = clusterDir(this.root, id);
    // Locking pulls in node:crypto; read-only commands never pay for it.
    const { acquireLock } = await import('./lock.js');
    const lock = await acquireLock(dir, command, `cluster ${formatClusterId(id)}`);
    try {
      // Read under the lock: a corrupt or future file throws here, before anything can write it.
      const state = await this.read(id);
      return new LocalClusterHandle(id, dir, this.root, state, this.secrets(id), lock.release);
    } catch (e) {
      lock.release();
      throw e;
    }
  }
}

class LocalClusterHandle implements ClusterHandle {
  readonly logFile: string;
  private current: ClusterState | undefined;
  /** The write in progress, if any. */
  private writing: Promise<void> | undefined;
  /** The next write, not started yet: every save made meanwhile joins it (it writes the latest document). */
  private queued: Promise<void> | undefined;
  /** A failed write fails every later save too (as a broken chain of writes did). */
  private failure: unknown;
  private released = false;

  constructor(
    readonly id: ClusterId,
    readonly dir: string,
    private readonly root: string,
    state: ClusterState | undefined,
    readonly secrets: SecretStore,
    private readonly releaseLock: () => void,
  ) {
    this.current = state;
    this.logFile = path.join(dir, LOG_FILE);
  }

  get state(): ClusterState | undefined {
    return this.current;
  }

  /**
   * Resolves once a write that contains this state is on disk. Writes never overlap and each carries
   * the whole latest document, so saves made while one is in progress share the next write instead
   * of each rewriting the file (with 100+ machines, steps save hundreds of times in a burst).
   */
  save(state: ClusterState): Promise<void> {
    this.assertHeld();
    state.updatedAt = new Date().toISOString();
    this.current = state;
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the earlier write's error, as it was thrown
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.queued ??= (async () => {
      await this.writing?.catch(() => undefined);
      // One macrotask more: the updates of the same moment (a step recorded done, then the next step
      // recorded started) share one write instead of two fsynced ones.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.queued = undefined;
      // Serialised when the write starts, not when save was called: it includes every change so far.
      const text = `${JSON.stringify(this.current, null, 2)}\n`;
      const write = writeFileAtomic(path.join(this.dir, STATE_FILE), text);
      this.writing = write;
      try {
        await write;
      } catch (e) {
        this.failure ??= e;
        throw e;
      } finally {
        if (this.writing === write) this.writing = undefined;
      }
    })();
    return this.queued;
  }

  async update(change: (s: ClusterState) => void): Promise<ClusterState> {
    const s = this.current;
    if (!s) throw new StateError(`cluster ${formatClusterId(this.id)} has no state yet`);
    change(s);
    await this.save(s);
    return s;
  }

  async remove(): Promise<void> {
    this.assertHeld();
    await (this.queued ?? this.writing);
    // Remove everything but the lock first, then release (which removes the lock), then the dirs.
    for (const entry of await fs.readdir(this.dir)) {
      if (entry !== 'lock') await fs.rm(path.join(this.dir, entry), { recursive: true, force: true });
    }
    this.release();
    await fs.rmdir(this.dir).catch(() => undefined);
    await fs.rmdir(path.dirname(this.dir)).catch(() => undefined); // region dir, if now empty
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.releaseLock();
    // A cluster that never got a state file leaves nothing behind (bad input must write nothing).
    if (this.current === undefined) {
      // Up to and including $KSCTL_HOME, stopping at the first folder that holds anything else.
      for (let d = this.dir; d.startsWith(this.root); d = path.dirname(d)) {
        try {
          rmdirSync(d);
        } catch {
          break;
        }
      }
    }
  }

  private assertHeld(): void {
    if (this.released) throw new StateError(`lock for ${formatClusterId(this.id)} was already released`);
  }
}
