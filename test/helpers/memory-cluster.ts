/** An in-memory ClusterHandle and StepContext for unit tests (a stand-in for the locked local store). */
import { applyDefaults } from '../../src/api/defaults.js';
import type { ClusterSpec } from '../../src/api/types.js';
import type { StepContext } from '../../src/pipeline/types.js';
import { newClusterState } from '../../src/state/new-state.js';
import type { ClusterHandle, ClusterState, SecretStore } from '../../src/state/types.js';
import { silentLogger } from '../../src/util/log.js';

export class MemorySecrets implements SecretStore {
  readonly data = new Map<string, string>();
  async put(name: string, v: string | Buffer) {
    this.data.set(name, v.toString());
  }
  async get(name: string) {
    return this.data.get(name);
  }
  async has(name: string) {
    return this.data.has(name);
  }
  async delete(name: string) {
    this.data.delete(name);
  }
  path(name: string) {
    return `/memory/${name}`;
  }
  async list() {
    return [...this.data.keys()].sort();
  }
}

export function memoryHandle(spec: ClusterSpec): ClusterHandle & { saves: number } {
  let state: ClusterState | undefined = newClusterState(spec);
  const h = {
    id: { provider: spec.provider, region: spec.region, name: spec.name },
    dir: '/memory',
    logFile: '/memory/ksctl.log',
    secrets: new MemorySecrets(),
    saves: 0,
    get state() {
      return state;
    },
    async save(s: ClusterState) {
      state = s;
      h.saves++;
    },
    async update(change: (s: ClusterState) => void) {
      change(state!);
      h.saves++;
      return state!;
    },
    async remove() {
      state = undefined;
    },
    release() {},
  };
  return h;
}

export function memoryContext(spec: ClusterSpec = applyDefaults({ name: 'unit', provider: 'local' })): StepContext {
  return { spec, cluster: memoryHandle(spec), log: silentLogger, signal: new AbortController().signal };
}
