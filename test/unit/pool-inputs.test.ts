/**
 * The day-2 pool inputs in src/api: durations (`--drain-timeout`), drain flags, whole-number flags,
 * the target pools of scale / create / delete nodepool (ssh provider and plain default pools
 * included), each pool's ready count from nodes, and which calls an apply plan makes.
 */
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { drainFlagsOf, wholeNumber } from '../../src/api/drain-input.js';
import { durationMs, formatDuration, parseDuration } from '../../src/api/duration.js';
import type { SpecInput } from '../../src/api/input.js';
import { poolSupport } from '../../src/api/pool-support.js';
import { addedPools, removedPools, scaledPools } from '../../src/api/pool-target.js';
import type { ClusterSpec } from '../../src/api/types.js';
import { InputError } from '../../src/errors.js';
import { applyCalls, executeApplyPlan } from '../../src/managers/apply/execute.js';
import type { ApplyPlan } from '../../src/managers/apply/types.js';
import type { NodeInfo } from '../../src/managers/kubernetes.js';
import { countPools, poolStatus } from '../../src/managers/pool-status.js';
import { recordingLifecycle } from '../helpers/recording-lifecycle.js';

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5m', 90_000],
    ['500ms', 500],
    ['.5h', 1_800_000],
    ['2m30s', 150_000],
  ])('%s is %d ms', (text, ms) => expect(durationMs(text)).toBe(ms));

  it.each([
    ['5', /has no unit/],
    ['', /is not a duration/],
    ['5 m', /is not a duration/],
    ['-5m', /is not a duration/],
    ['5d', /is not a duration/],
    ['m', /is not a duration/],
    ['1'.repeat(40), /is not a duration/],
  ])('%j is refused', (text, message) => expect(durationMs(text)).toMatch(message));

  it('bounds a flag and names it', () => {
    expect(() => parseDuration('0s', '--drain-timeout', { minMs: 1000, maxMs: 60_000 })).toThrow(
      new InputError('--drain-timeout: "0s" is outside 1s to 1m', ['--drain-timeout']),
    );
    expect(parseDuration(' 45s ', '--x', { minMs: 1000, maxMs: 60_000 })).toBe(45_000);
  });

  it.each([
    [300_000, '5m'],
    [90_000, '1m30s'],
    [86_400_000, '24h'],
    [1000, '1s'],
    [0, '0s'],
    [1500, '1500ms'],
  ])('formats %d ms as %s, which reads back the same', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(durationMs(text)).toBe(ms);
  });
});

describe('drain and count flags', () => {
  it('defaults to 5 minutes, no force, no emptyDir data; reads what is given', () => {
    expect(drainFlagsOf({})).toEqual({ timeoutMs: 300_000, force: false, deleteEmptyDirData: false });
    expect(drainFlagsOf({ drainTimeout: '24h', force: true, deleteEmptydirData: true })).toEqual({
      timeoutMs: 86_400_000,
      force: true,
      deleteEmptyDirData: true,
    });
    expect(() => drainFlagsOf({ drainTimeout: '25h' })).toThrow(/--drain-timeout: "25h" is outside 1s to 24h/);
  });

  it('reads whole numbers, keeps negatives for the pool rules to name, refuses the rest', () => {
    expect(wholeNumber('3', '--count')).toBe(3);
    expect(wholeNumber(' -2 ', '--count')).toBe(-2);
    expect(wholeNumber(undefined, '--count')).toBeUndefined();
    for (const bad of ['1e3', 'three', '', '0x10', '2.0'])
      expect(() => wholeNumber(bad, '--max')).toThrow(
        new InputError(`--max must be a whole number, got ${JSON.stringify(bad)}`, ['--max']),
      );
  });
});

const resolve = (input: SpecInput): ClusterSpec => applyDefaults(input);

describe('target pools', () => {
  const ssh = resolve({
    name: 'lab',
    provider: 'ssh',
    region: 'home',
    controlPlane: { count: 1 },
    etcd: { count: 0 },
    machines: [
      { role: 'loadbalancer', address: '10.0.0.1', user: 'root' },
      { role: 'controlplane', address: '10.0.0.2', user: 'root' },
      { role: 'worker', address: '10.0.0.3', user: 'root' },
      { role: 'worker', address: '10.0.0.4', user: 'root' },
    ],
  });

  it('shrinks a plain default pool (workers in step), and refuses to grow an ssh pool past its machines', () => {
    expect(ssh.nodePools.map((p) => [p.name, p.count])).toEqual([['default', 2]]);
    expect(scaledPools(ssh, 'default', '1').pools.map((p) => p.count)).toEqual([1]);
    expect(() => scaledPools(ssh, 'default', '3')).toThrow(/--count 3 is above the 2 machine\(s\) of pool "default"/);
    expect(() => addedPools(ssh, { name: 'gpu', count: '1' })).toThrow(
      /a new pool of the ssh provider has no machines yet/,
    );
  });

  it('scales a self-managed default pool, and adds a pool only where the cluster file could have one', () => {
    const sm = resolve({ name: 'prod', provider: 'aws', type: 'selfmanaged', workers: { count: 2 } });
    expect(scaledPools(sm, 'default', '5').pools).toEqual([{ ...sm.nodePools[0], count: 5 }]);
    // The same rule as the cluster file's (pool-support.ts), whichever way it reads in this build.
    const add = () => addedPools(sm, { name: 'gpu', count: '1' });
    if (poolSupport('aws', 'selfmanaged').pools) expect(add().pools.map((p) => p.name)).toEqual(['default', 'gpu']);
    else expect(add).toThrow(/spec\.nodePools: lists pools beyond the default one/);
  });

  it('deletes a pool, and checks only what the change breaks', () => {
    const kind = resolve({
      name: 'dev',
      provider: 'local',
      nodePools: [
        { name: 'a', count: 1 },
        { name: 'b', count: 2 },
      ],
    });
    expect(removedPools(kind, 'a').pools.map((p) => p.name)).toEqual(['b']);
    // A rule the recorded spec already breaks (here: a kind pool above kind's node bound) is not this change's doing.
    const big = structuredClone(kind);
    big.nodePools[1]!.count = 50;
    expect(scaledPools(big, 'a', '2').pools.map((p) => p.count)).toEqual([2, 50]);
    expect(() => scaledPools(big, 'b', '60')).toThrow(/--count \(spec\.nodePools\[1\]\.count\): must be at most 20/);
  });
});

const node = (name: string, labels: Record<string, string>, ready = true): NodeInfo => ({
  name,
  ready,
  readySince: '2026-12-01T00:00:00Z',
  labels,
  taints: [],
  unschedulable: false,
  createdAt: '2026-12-01T00:00:00Z',
});

describe('pool status', () => {
  const eks = resolve({
    name: 'apps',
    provider: 'aws',
    type: 'managed',
    region: 'us-east-1',
    nodePools: [
      { name: 'general', count: 3, min: 1, max: 5 },
      { name: 'batch', count: 2 },
    ],
  });
  it("counts Ready nodes by ksctl's pool label, else the cloud's", () => {
    const nodes = [
      node('a', { 'ksctl.io/pool': 'general' }),
      node('b', { 'ksctl.io/pool': 'general' }, false),
      node('c', { 'eks.amazonaws.com/nodegroup': 'general' }),
      node('d', { 'eks.amazonaws.com/nodegroup': 'batch', 'ksctl.io/pool': 'batch' }),
      node('e', { 'cloud.google.com/gke-nodepool': 'batch' }),
      node('f', {}),
    ];
    expect(countPools(eks, nodes)).toEqual([
      { name: 'general', desired: 3, ready: 2, min: 1, max: 5 },
      { name: 'batch', desired: 2, ready: 1 },
    ]);
  });

  it('gives "unknown" and the reason when the API fails or does not answer in time', async () => {
    const failed = await poolStatus(eks, () => Promise.reject(new Error('list nodes: ECONNREFUSED\nmore')), 1000);
    expect(failed).toEqual({
      pools: [
        { name: 'general', desired: 3, ready: 'unknown', min: 1, max: 5 },
        { name: 'batch', desired: 2, ready: 'unknown' },
      ],
      unreachable: 'list nodes: ECONNREFUSED',
    });
    const slow = await poolStatus(eks, () => new Promise<NodeInfo[]>(() => {}), 50);
    expect(slow.unreachable).toBe('no answer within 0.05s');
    expect(slow.pools.every((p) => p.ready === 'unknown')).toBe(true);
    expect((await poolStatus(eks, async () => [node('a', { 'ksctl.io/pool': 'batch' })], 1000)).pools[1]!.ready).toBe(
      1,
    );
  });
});

describe('apply calls', () => {
  const plan = (changes: ApplyPlan['changes']): ApplyPlan => ({
    cluster: { provider: 'ssh', region: 'home', name: 'lab' },
    type: 'selfmanaged',
    changes,
    refused: [],
  });
  it('hands the ssh provider the listed machines, and calls only what the plan changes', async () => {
    const spec = resolve({
      name: 'lab',
      provider: 'ssh',
      region: 'home',
      machines: [
        { role: 'loadbalancer', address: '10.0.0.1', user: 'root' },
        { role: 'controlplane', address: '10.0.0.2', user: 'root' },
        { role: 'worker', address: '10.0.0.3', user: 'root' },
      ],
    });
    const rec = recordingLifecycle(() => spec);
    const lc = await rec.lifecycleFor('selfmanaged', {} as never);
    const drain = { timeoutMs: 1000, force: false, deleteEmptyDirData: false };
    const resize = plan([{ kind: 'pool-resize', pool: 'default', from: 0, to: 1 }]);
    expect(applyCalls(resize)).toEqual({ pools: true, access: false });
    await executeApplyPlan(lc, resize, spec, drain);
    expect(rec.calls).toEqual([
      {
        call: 'reconcilePools',
        id: resize.cluster,
        target: { pools: spec.nodePools, machines: spec.machines },
        opts: { drain },
      },
    ]);
    const cidrs = plan([{ kind: 'allow-cidrs', from: [], to: ['10.1.0.0/16'], added: ['10.1.0.0/16'], removed: [] }]);
    expect(applyCalls(cidrs)).toEqual({ pools: false, access: true });
    expect(applyCalls(plan([]))).toEqual({ pools: false, access: false });
  });
});
