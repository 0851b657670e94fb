/**
 * The local JSON state store: one directory per cluster under $KSCTL_HOME (see paths.ts).
 * Reads need no lock (writes are atomic renames); every change goes through a locked ClusterHandle.
 */
import { existsSync, promises as fs, readdirSync, rmdirSync } from 'node:fs';
import { MAX_STATE_FILE_BYTES } from '../../api/limits.js';
import path from 'node:path';
import { PROVIDERS, formatClusterId, type ClusterId, type Provider } from '../../api/types.js';
import { StateError } from '../../errors.js';
import { migrateState } from '../migrate.js';
import type { ClusterHandle, ClusterState, SecretStore, StateStore } from '../types.js';
import { writeFileAtomic } from './atomic.js';
import { LOG_FILE, SECRETS_DIR, STATE_FILE, clusterDir, clustersDir, defaultStateRoot } from './paths.js';
import { FileSecretStore } from './secrets.js';
import { readBoundedSync } from '../../util/read-bounded.js';

export class LocalStateStore implements StateStore {
  readonly root: string;

  constructor(root: string = defaultStateRoot()) {
    this.root = path.resolve(root);
  }

  async list(): Promise<{ clusters: ClusterState[]; problems: { id: ClusterId; error: string }[] }> {
    // No existence check per cluster here: readSync treats a missing state file as "no cluster".
    const ids = await this.allIds(PROVIDERS);
    const clusters: ClusterState[] = [];
    const problems: { id: ClusterId; error: string }[] = [];
    const base = clustersDir(this.root);
    for (const id of ids) {
      try {
        // The parts are directory entries (no separators, not "." or ".."): joined as path.join would,
        // without normalising 200 paths on the way.
        const s = this.readFile(`${base}${path.sep}${id.provider}${path.sep}${id.region}${path.sep}${id.name}${path.sep}${STATE_FILE}`, id);
        if (s) clusters.push(s);
      } catch (e) {
        problems.push({ id, error: (e as Error).message });
      }
    }
    clusters.sort(listOrder(clusters.map((c) => c.id)));
    return { clusters, problems };
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
    return this.readSync(id);
  }

  /** Synchronous: a state file is small, and listing hundreds of them is faster without promises. */
  private readSync(id: ClusterId): ClusterState | undefined {
    return this.readFile(path.join(clusterDir(this.root, id), STATE_FILE), id);
  }

  private readFile(file: string, id: ClusterId): ClusterState | undefined {
    let bytes: Buffer;
    try {
      // Bounded: a runaway or foreign file is refused, never loaded whole.
      const read = readBoundedSync(file, MAX_STATE_FILE_BYTES);
      if (!read) throw new StateError(`state file ${file} is larger than ${MAX_STATE_FILE_BYTES} bytes; it was left untouched`, { hint: 'restore it from a backup or move it away' });
      bytes = read;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (e) {
      throw new StateError(`state file ${file} does not parse (${(e as Error).message}); it was left untouched`, {
        hint: 'restore it from a backup or move it away',
      });
    }
    return migrateState(doc, file, id);
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

  /** Every cluster directory (list() skips one without a state file when it reads it). */
  private async allIds(providers: readonly Provider[]): Promise<ClusterId[]> {
    const base = clustersDir(this.root);
    const out: ClusterId[] = [];
    for (const provider of providers) {
      for (const region of dirs(path.join(base, provider))) {
        for (const name of dirs(path.join(base, provider, region))) {
          out.push({ provider, region, name });
        }
      }
    }
    return out;
  }
}

/**
 * `get clusters` order: by name, provider, region as `localeCompare` orders `name\0provider\0region`.
 * For names made of [a-z0-9-] (every valid one) that order is plain code-unit order of the three joined
 * (ICU ignores NUL and sorts `-` before digits before letters), which spares loading ICU's collator at
 * start-up; anything else still goes through localeCompare.
 */
export function listOrder(ids: ClusterId[]): (a: { id: ClusterId }, b: { id: ClusterId }) => number {
  const joined = (id: ClusterId) => `${id.name}${id.provider}${id.region}`;
  if (ids.every((id) => /^[a-z0-9-]*$/.test(joined(id)))) {
    return (a, b) => {
      const x = joined(a.id);
      const y = joined(b.id);
      return x < y ? -1 : x > y ? 1 : 0;
    };
  }
  const key = (id: ClusterId) => `${id.name}\0${id.provider}\0${id.region}`;
  return (a, b) => key(a.id).localeCompare(key(b.id));
}

function dirs(p: string): string[] {
  try {
    return readdirSync(p, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
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
