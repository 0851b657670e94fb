/**
 * A crash at every mutating cloud call of a self-managed pool's scale-up, then the same change again,
 * converges on AWS, Azure and GCP (their stateful fakes, as the provider contract uses them): the real
 * SelfManagedManager, executor and LocalStateStore, the clouds' real providers and SDK clients, a
 * stand-in SSH pool (test/fakes/ssh-pool-standin.ts: nothing to boot, every script answers as a healthy
 * host does). "Crash": the fake throws at call N (before it takes effect, or after, its answer lost) and
 * from then on nothing more is written to state, as after a SIGKILL; the re-run is a new manager,
 * provider and store over the same state directory. Each crash point grows the default pool by 2 more.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_DRAIN_TIMEOUT_MS, type PoolChangeOptions } from '../../src/api/pool-change.js';
import { clusterIdOf, type ClusterSpec } from '../../src/api/types.js';
import type { SelfManagedCloud } from '../../src/cloud/types.js';
import type { ClusterState } from '../../src/state/types.js';
import { awsSpec, selfManagedWorld as awsWorld } from '../fakes/aws/world.js';
import { azureSpec, selfManagedWorld as azureWorld } from '../fakes/azure/world.js';
import { gcpSpec, selfManagedWorld as gcpWorld } from '../fakes/gcp/world.js';
import { StandinSshPool } from '../fakes/ssh-pool-standin.js';
import { poolBench } from '../helpers/pool-manager.js';
import type { World } from './provider-contract.js';

const SHAPE = {
  network: { cidr: '10.0.0.0/16', allowCidrs: ['198.51.100.77/32'] },
};
const OPTS: PoolChangeOptions = {
  drain: { timeoutMs: DEFAULT_DRAIN_TIMEOUT_MS, force: false, deleteEmptyDirData: true },
};
const NO_WAIT = { connectMs: 0, scriptMs: {}, otherExecMs: 0, uploadMs: 0, downloadMs: 0 };

interface Case {
  cloud: string;
  world: () => World<SelfManagedCloud>;
  /** The resource kind of one VM in World.resources(). */
  vmKind: string;
}

const sized = (spec: ClusterSpec, cp: string, worker: string): ClusterSpec => ({
  ...spec,
  controlPlane: { count: 1, size: cp },
  etcd: { ...spec.etcd, count: 0 },
  workers: { ...spec.workers, count: 1, size: worker },
  nodePools: [{ ...spec.nodePools[0]!, count: 1, size: worker }],
});

const CASES: Case[] = [
  {
    cloud: 'aws',
    world: () => awsWorld(sized(awsSpec({ name: 'grow', ...SHAPE }), 't3.medium', 't3.large')),
    vmKind: 'instance',
  },
  {
    cloud: 'azure',
    world: () => azureWorld(sized(azureSpec({ name: 'grow', ...SHAPE }), 'Standard_B2s', 'Standard_B2ms')),
    vmKind: 'virtualMachines',
  },
  {
    cloud: 'gcp',
    world: () => gcpWorld(sized(gcpSpec({ name: 'grow', ...SHAPE }), 'e2-medium', 'e2-standard-2')),
    vmKind: 'instance',
  },
];

const defaultPool = (s: ClusterState) => s.spec.nodePools.find((p) => p.name === 'default')!;

describe.each(CASES)('$cloud: a crash at every mutating call of a pool scale-up, then a re-run', (c) => {
  const w = c.world();
  const pool = new StandinSshPool({ now: () => Date.now(), sleep: async () => undefined }, NO_WAIT);
  const bench = poolBench(() => pool);
  const id = clusterIdOf(w.spec);
  afterAll(() => bench.cleanup());

  /** Every VM the fake holds is the cluster's, recorded in state once, with no duplicate name. */
  function expectConverged(state: ClusterState, workers: number, where: string) {
    const res = w.resources();
    expect(
      res.filter((r) => !r.owned).map((r) => r.id),
      `${where}: untagged`,
    ).toEqual([]);
    const vms = res.filter((r) => r.kind === c.vmKind);
    expect(vms.length, `${where}: VMs`).toBe(2 + workers); // load balancer, control plane, workers
    const recorded = new Set([
      ...Object.values(state.resources).map((r) => r.id),
      ...Object.values(state.machines).map((m) => m.providerId),
    ]);
    expect(
      res.filter((r) => r.recordable && !recorded.has(r.id)).map((r) => r.id),
      `${where}: orphans`,
    ).toEqual([]);
    const ws = Object.values(state.machines).filter((m) => m.role === 'worker');
    expect(ws.length, `${where}: workers in state`).toBe(workers);
    expect(
      ws.every((m) => m.status === 'bootstrapped' && (m.pool ?? 'default') === 'default'),
      where,
    ).toBe(true);
    expect(defaultPool(state).count, `${where}: pool count`).toBe(workers);
    expect(state.spec.workers.count, `${where}: workers.count`).toBe(workers);
    expect(state.phase, where).toBe('ready');
  }

  it('converges with one VM per machine, each pending machine finished under its own name', async () => {
    await bench.manager(await w.provider()).create(w.spec, { switchContext: false });
    let state = (await bench.store().read(id))!;
    expectConverged(state, 1, 'after create');

    let points = 0;
    for (const when of ['after', 'before'] as const) {
      for (let n = 1; ; n++) {
        const workers = defaultPool(state).count;
        const target = { pools: [{ ...defaultPool(state), count: workers + 2 }] };
        w.clearFaults();
        w.crashAt(n, when);
        const mgr = bench.manager(await w.provider());
        w.onCrash(() => (bench.store().frozen = true));
        let crashed = false;
        try {
          const r = await mgr.reconcilePools(id, target, OPTS);
          expect(r.pools).toEqual([{ name: 'default', from: workers, to: workers + 2 }]);
        } catch (e) {
          if (!w.isCrash(e) && !(e instanceof Error && e.name === 'SimulatedCrash')) throw e;
          crashed = true;
        }
        w.clearFaults();
        if (crashed) {
          points++;
          const before = (await bench.store().read(id))!;
          // Intent was written before the first cloud call: the two new machines are known, pending.
          const half = Object.values(before.machines).filter((m) => m.role === 'worker' && m.status !== 'bootstrapped');
          expect(half.length, `crash ${when} #${n}: machines left to finish`).toBeGreaterThan(0);
          const again = await bench.manager(await w.provider()).reconcilePools(id, target, OPTS);
          expect(again.added.sort()).toEqual(half.map((m) => m.name).sort());
        }
        state = (await bench.store().read(id))!;
        expectConverged(state, workers + 2, `crash ${when} #${n}`);
        if (!crashed) break;
      }
    }
    console.log(`${c.cloud}: ${points} crash points in a 2-machine scale-up, each converged`);
    expect(points, 'crash points exercised').toBeGreaterThanOrEqual(4);
  }, 300_000);
});
