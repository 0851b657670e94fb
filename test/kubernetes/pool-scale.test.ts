/**
 * A self-managed pool's shrink and label change through SelfManagedManager.reconcilePools, against the
 * real Kubernetes API: the loopback control plane (real etcd, kube-apiserver, controller-manager,
 * scheduler) with kwok nodes named as the cluster's worker machines, whose VMs the AWS fake holds. The
 * cluster is created through the manager (FakeAws, stand-in SSH); its kubeconfig in state is then the
 * control plane's admin kubeconfig, so every drain, cordon and label goes through the Eviction API and
 * node patches as on a real cluster.
 *
 * - a PodDisruptionBudget (minAvailable = replicas) blocks the drain: the error names the pod, the
 *   budget, --force and --drain-timeout; state keeps the machine `removing`; the VM still exists;
 * - once the budget allows it, the same change again resumes: the pod moves, the Node and the VM go,
 *   the machine is forgotten in the write that lowers the pool's count;
 * - a dry run says what it would do and writes nothing; labels and taints reach the nodes, `previous`
 *   ones taken off, and the spec records them.
 *
 * Labels and taints need pool support on self-managed clusters, which another branch turns on with
 * create's placement by pool: switched on here (see test/unit/pool-change.test.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PoolChangeOptions } from '../../src/api/pool-change.js';
import { clusterIdOf, type NodePoolSpec } from '../../src/api/types.js';
import { KUBECONFIG_SECRET } from '../../src/managers/ksctl.js';
import { DrainBlockedError } from '../../src/managers/kubernetes/drain.js';
import { awsSpec, selfManagedWorld } from '../fakes/aws/world.js';
import { StandinSshPool } from '../fakes/ssh-pool-standin.js';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { missingControlPlaneBinaries } from '../helpers/kube-binaries.js';
import { createPool, deploy, pdb, podsOf } from '../helpers/kwok-workloads.js';
import { poolBench } from '../helpers/pool-manager.js';

vi.mock('../../src/api/pool-support.js', async (orig) => {
  const real = await orig<typeof import('../../src/api/pool-support.js')>();
  return {
    ...real,
    poolSupport: (provider: Parameters<typeof real.poolSupport>[0], type: Parameters<typeof real.poolSupport>[1]) =>
      type === 'selfmanaged'
        ? { pools: true, labels: true, taints: true, spot: true, zones: false, why: '' }
        : real.poolSupport(provider, type),
  };
});

const missing = missingControlPlaneBinaries();
const NAME = 'pshrink';
const NO_WAIT = { connectMs: 0, scriptMs: {}, otherExecMs: 0, uploadMs: 0, downloadMs: 0 };

describe.skipIf(missing.length > 0)('a self-managed pool shrinks through the API, a PDB blocking the drain', () => {
  let cp: ControlPlane;
  const spec = awsSpec({ name: NAME, network: { cidr: '10.0.0.0/16', allowCidrs: ['198.51.100.77/32'] } });
  spec.controlPlane = { ...spec.controlPlane, count: 1 };
  spec.etcd = { ...spec.etcd, count: 0 };
  spec.workers = { ...spec.workers, count: 3 };
  spec.nodePools = [{ ...spec.nodePools[0]!, count: 3 }];
  const w = selfManagedWorld(spec);
  const ssh = new StandinSshPool({ now: () => Date.now(), sleep: async () => undefined }, NO_WAIT);
  const bench = poolBench(() => ssh);
  const id = clusterIdOf(spec);
  const pool = (over: Partial<NodePoolSpec>): NodePoolSpec => ({ ...spec.nodePools[0]!, ...over });
  const stateFile = () => path.join(bench.dir, 'ksctl', 'clusters', 'aws', spec.region, NAME, 'state.json');
  const drain = (timeoutMs: number): PoolChangeOptions => ({
    drain: { timeoutMs, force: false, deleteEmptyDirData: true },
  });

  beforeAll(async () => {
    cp = await startControlPlane({ kwok: true });
    await bench.manager(w.provider()).create(spec, { switchContext: false });
    // The cluster's API is the loopback control plane; its workers' Nodes are kwok nodes of the same names.
    await bench.store().secrets(id).put(KUBECONFIG_SECRET, readFileSync(cp.kubeconfig, 'utf8'));
    await createPool(cp, `${NAME}-worker`, 3);
  }, 240_000);
  afterAll(async () => {
    await cp?.stop();
    bench.cleanup();
  }, 60_000);

  it('dry run: the steps, the node it would give up (the newest), nothing written', async () => {
    const before = readFileSync(stateFile(), 'utf8');
    const r = await bench
      .manager(w.provider())
      .reconcilePools(id, { pools: [pool({ count: 2 })] }, { ...drain(1000), dryRun: true });
    expect(r.pools).toEqual([{ name: 'default', from: 3, to: 2 }]);
    expect(r.removed).toEqual([`${NAME}-worker-2`]);
    expect(r.steps.map((s) => s.id.replace(/[@/]\d+$/, ''))).toEqual([
      'cordon/shrink',
      `drain/${NAME}-worker-2`,
      `forget/${NAME}-worker-2`,
    ]);
    expect(readFileSync(stateFile(), 'utf8')).toBe(before);
  });

  it('stops at the PDB naming it, the pod and the flags; state says where; the re-run resumes once it allows', async () => {
    const pods = await deploy(cp, 'web', 3, [`${NAME}-worker`]);
    expect(new Set(pods.map((p) => p.node)).size).toBe(3);
    await pdb(cp, 'web', { minAvailable: 3 }, 3);

    const err = await bench
      .manager(w.provider())
      .reconcilePools(id, { pools: [pool({ count: 2 })] }, drain(3000))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(DrainBlockedError);
    const blocked = err as DrainBlockedError;
    expect(blocked.message).toMatch(/PodDisruptionBudget web\b/);
    expect(blocked.message).toMatch(/default\/web-/);
    expect(blocked.hint).toMatch(/--drain-timeout/);
    expect(blocked.hint).toMatch(/--force/);
    let state = (await bench.store().read(id))!;
    expect(state.machines[`${NAME}-worker-2`]?.status).toBe('removing');
    expect(state.spec.nodePools[0]!.count).toBe(3);
    expect(state.phase).toBe('failed');
    expect(w.resources().filter((r) => r.kind === 'instance')).toHaveLength(5);
    const node = await cp.getJson<{ spec: { unschedulable?: boolean } }>(`/api/v1/nodes/${NAME}-worker-2`);
    expect(node.spec.unschedulable).toBe(true);

    // The budget allows one disruption: the pod can move, and the same change finishes.
    await pdb(cp, 'web', { minAvailable: 2 }, 3);
    const r = await bench.manager(w.provider()).reconcilePools(id, { pools: [pool({ count: 2 })] }, drain(60_000));
    expect(r.removed).toEqual([`${NAME}-worker-2`]);
    state = (await bench.store().read(id))!;
    expect(state.machines[`${NAME}-worker-2`]).toBeUndefined();
    expect(state.spec.nodePools[0]!.count).toBe(2);
    expect(state.spec.workers.count).toBe(2);
    expect(state.phase).toBe('ready');
    expect(w.resources().filter((r) => r.kind === 'instance')).toHaveLength(4);
    const nodes = (await cp.kubectl(['get', 'nodes', '-o', 'name'])).split('\n');
    expect(nodes).not.toContain(`node/${NAME}-worker-2`);
    const after = await podsOf(cp, 'web');
    expect(after.filter((p) => p.node === `${NAME}-worker-2`)).toEqual([]);
  }, 180_000);

  it('sets new labels and taints on the pool nodes, taking the old ones off, and records them', async () => {
    const first = pool({ count: 2, labels: { 'example.com/tier': 'a', 'example.com/old': 'x' } });
    await bench.manager(w.provider()).reconcilePools(id, { pools: [first] }, drain(10_000));
    const second = pool({
      count: 2,
      labels: { 'example.com/tier': 'b' },
      taints: [{ key: 'example.com/dedicated', value: 'batch', effect: 'NoSchedule' }],
    });
    await bench.manager(w.provider()).reconcilePools(id, { pools: [second] }, drain(10_000));
    for (const n of [`${NAME}-worker-0`, `${NAME}-worker-1`]) {
      const got = await cp.getJson<{
        metadata: { labels: Record<string, string> };
        spec: { taints?: { key: string; value?: string; effect: string }[] };
      }>(`/api/v1/nodes/${n}`);
      expect(got.metadata.labels['example.com/tier']).toBe('b');
      expect(got.metadata.labels['example.com/old']).toBeUndefined();
      expect(got.metadata.labels['ksctl.io/pool']).toBe('default');
      expect(got.spec.taints).toContainEqual({ key: 'example.com/dedicated', value: 'batch', effect: 'NoSchedule' });
    }
    const state = (await bench.store().read(id))!;
    expect(state.spec.nodePools[0]).toMatchObject({ labels: second.labels, taints: second.taints, count: 2 });
  }, 120_000);
});

describe.skipIf(missing.length === 0)('a self-managed pool shrinks through the API', () => {
  it(`SKIPPED: missing ${missing.join(', ')} (scripts/install-test-deps.sh builds them with Go)`, () => {
    expect(missing.length).toBeGreaterThan(0);
  });
});
