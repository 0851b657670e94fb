/**
 * A ClusterLifecycle double for the command layer's tests: it records every call (what target pools,
 * drain flags, CIDRs and dryRun a command passed) and answers reconcilePools with the counts it was
 * asked for, so a test reads what the command asked of the managers without a cloud. Calls the day-2
 * commands must never make throw.
 */
import type { PoolChangeOptions, PoolTarget } from '../../src/api/pool-change.js';
import type { ClusterId, ClusterSpec, ClusterType } from '../../src/api/types.js';
import type { ClusterLifecycle, DayTwoResult, PoolChangeResult } from '../../src/managers/index.js';
import type { ManagerDeps } from '../../src/managers/types.js';

export type RecordedCall =
  | { call: 'reconcilePools'; id: ClusterId; target: PoolTarget; opts: PoolChangeOptions }
  | { call: 'updateAccess'; id: ClusterId; allowCidrs: string[]; opts: { dryRun?: boolean } };

export interface RecordingLifecycle {
  calls: RecordedCall[];
  /** The cluster types lifecycleFor was asked for (one per command run that reached the managers). */
  built: ClusterType[];
  /** For CommandEnv.lifecycleFor. */
  lifecycleFor(type: ClusterType, deps: ManagerDeps): Promise<ClusterLifecycle>;
}

/** `recorded`: the spec each cluster has, so reconcilePools can answer with from → to counts. */
export function recordingLifecycle(recorded: (id: ClusterId) => ClusterSpec): RecordingLifecycle {
  const calls: RecordedCall[] = [];
  const built: ClusterType[] = [];
  const never = (what: string) => () => Promise.reject(new Error(`${what} must not be called by this command`));
  const lifecycle: ClusterLifecycle = {
    plan: never('plan'),
    create: never('create'),
    delete: never('delete'),
    addWorker: never('addWorker'),
    removeWorker: never('removeWorker'),
    upgrade: never('upgrade'),
    async reconcilePools(id, target, opts): Promise<PoolChangeResult> {
      calls.push({ call: 'reconcilePools', id, target: structuredClone(target), opts: structuredClone(opts) });
      const before = new Map(recorded(id).nodePools.map((p) => [p.name, p.count]));
      const after = new Map(target.pools.map((p) => [p.name, p.count]));
      const names = [...new Set([...before.keys(), ...after.keys()])];
      const pools = names
        .map((name) => ({ name, from: before.get(name) ?? 0, to: after.get(name) ?? 0 }))
        .filter((p) => p.from !== p.to || !before.has(p.name) || !after.has(p.name));
      return {
        steps: pools.map((p) => ({ id: `pool-${p.name}`, title: `Bring pool ${p.name} to ${p.to}`, needs: [] })),
        pools,
        added: [],
        removed: [],
      };
    },
    async updateAccess(id, allowCidrs, opts): Promise<DayTwoResult> {
      calls.push({ call: 'updateAccess', id, allowCidrs: [...allowCidrs], opts: { ...opts } });
      return { steps: [{ id: 'access', title: 'Allow the new CIDRs', needs: [] }] };
    },
  };
  return {
    calls,
    built,
    lifecycleFor: async (type) => {
      built.push(type);
      return lifecycle;
    },
  };
}
