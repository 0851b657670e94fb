/**
 * The one in-memory ClusterHandle + SecretStore for tests (a stand-in for the local JSON store).
 * State is kept as a JSON snapshot, like a file; `freeze()` makes every later write fail, the way a
 * killed process writes nothing more; `reopen()` is the next process reading what was saved.
 * With `persistPath`, snapshots also go to disk so a subprocess can continue them.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { applyDefaults } from '../../src/api/defaults.js';
import { clusterIdOf, type ClusterId, type ClusterSpec } from '../../src/api/types.js';
import type { StepContext } from '../../src/pipeline/types.js';
import { newClusterState } from '../../src/state/new-state.js';
import { type ClusterHandle, type ClusterState, type SecretStore } from '../../src/state/types.js';
import type { Logger } from '../../src/util/log.js';

export class FrozenError extends Error {
  override readonly name = 'SimulatedCrash';
  constructor() {
    super('write after the simulated crash');
  }
}

interface Snapshot {
  state: string | undefined;
  secrets: Record<string, string>;
}

class MemorySecrets implements SecretStore {
  constructor(private readonly owner: MemoryCluster) {}
  async put(name: string, data: string | Buffer): Promise<void> {
    this.owner.write((s) => (s.secrets[name] = data.toString()));
  }
  async get(name: string): Promise<string | undefined> {
    return this.owner.snap.secrets[name];
  }
  async has(name: string): Promise<boolean> {
    return name in this.owner.snap.secrets;
  }
  async delete(name: string): Promise<void> {
    this.owner.write((s) => delete s.secrets[name]);
  }
  path(name: string): string {
    return `/memory/${this.owner.id.name}/secrets/${name}`;
  }
  async list(): Promise<string[]> {
    return Object.keys(this.owner.snap.secrets).sort();
  }
}

export class MemoryCluster implements ClusterHandle {
  readonly id: ClusterId;
  readonly dir: string;
  readonly logFile: string;
  readonly secrets: SecretStore;
  snap: Snapshot;
  private current: ClusterState | undefined;
  private frozen = false;
  removed = false;
  writes = 0;

  constructor(
    id: ClusterId,
    snap: Snapshot = { state: undefined, secrets: {} },
    private readonly persistPath?: string,
  ) {
    this.id = id;
    this.dir = `/memory/${id.provider}/${id.region}/${id.name}`;
    this.logFile = `${this.dir}/log`;
    this.snap = snap;
    this.current = snap.state ? (JSON.parse(snap.state) as ClusterState) : undefined;
    this.secrets = new MemorySecrets(this);
  }

  /** A new cluster whose state has been saved once (as the manager does before any step). */
  static create(spec: ClusterSpec, persistPath?: string): MemoryCluster {
    // As the managers make it: a new incarnation (its own uid) each time.
    const state: ClusterState = newClusterState(spec);
    const c = new MemoryCluster(clusterIdOf(spec), { state: JSON.stringify(state), secrets: {} }, persistPath);
    c.persist();
    return c;
  }

  static load(path: string): MemoryCluster {
    const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot & { id: ClusterId };
    return new MemoryCluster(snap.id, { state: snap.state, secrets: snap.secrets }, path);
  }

  static exists(path: string): boolean {
    return existsSync(path);
  }

  get state(): ClusterState | undefined {
    return this.current;
  }

  /** Every change goes through here: refused once frozen. */
  write(change: (s: Snapshot) => void): void {
    if (this.frozen) throw new FrozenError();
    change(this.snap);
    this.writes += 1;
    this.persist();
  }

  private persist(): void {
    if (!this.persistPath) return;
    mkdirSync(dirname(this.persistPath), { recursive: true });
    writeFileSync(`${this.persistPath}.tmp`, JSON.stringify({ id: this.id, ...this.snap }));
    renameSync(`${this.persistPath}.tmp`, this.persistPath);
  }

  async save(state: ClusterState): Promise<void> {
    const text = JSON.stringify({ ...state, updatedAt: new Date().toISOString() });
    this.write((s) => (s.state = text));
    this.current = JSON.parse(text) as ClusterState;
  }

  async update(change: (s: ClusterState) => void): Promise<ClusterState> {
    if (!this.current) throw new Error('no state yet');
    const next = structuredClone(this.current);
    change(next);
    await this.save(next);
    return this.current;
  }

  async remove(): Promise<void> {
    this.write((s) => {
      s.state = undefined;
      s.secrets = {};
    });
    this.current = undefined;
    this.removed = true;
  }

  release(): void {}

  /** The process died: nothing more gets written. */
  freeze(): void {
    this.frozen = true;
  }

  /** The next process: reads what was saved. */
  reopen(): MemoryCluster {
    return new MemoryCluster(this.id, structuredClone(this.snap), this.persistPath);
  }
}

/** A logger that keeps its lines (for asserting on progress messages). */
export function memoryLogger(lines: string[] = [], prefix = ''): Logger & { lines: string[] } {
  const push = (level: string) => (msg: string) => void lines.push(`${level} ${prefix}${msg}`);
  return {
    lines,
    debug: push('debug'),
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
    child: (p) => memoryLogger(lines, `${prefix}${p}: `),
  };
}

export function stepContext(
  cluster: ClusterHandle,
  spec: ClusterSpec,
  opts: { log?: Logger; signal?: AbortSignal } = {},
): StepContext {
  return { spec, cluster, log: opts.log ?? memoryLogger(), signal: opts.signal ?? new AbortController().signal };
}

/** A step context over a new in-memory cluster (saved once, as the managers do before any step). */
export function memoryContext(
  spec: ClusterSpec = applyDefaults({ name: 'unit', provider: 'local' }),
): StepContext & { cluster: MemoryCluster } {
  const cluster = MemoryCluster.create(spec);
  return { ...stepContext(cluster, spec), cluster };
}

/** A SecretStore of its own (a cluster's, the cluster unused). */
export function memorySecrets(): SecretStore {
  return MemoryCluster.create(applyDefaults({ name: 'secrets', provider: 'local' })).secrets;
}
