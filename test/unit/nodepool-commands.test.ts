/**
 * The command layer of `scale nodepool`, `create nodepool` and `delete nodepool` against a recording
 * ClusterLifecycle (test/helpers/day2-bench.ts): the target pools, drain flags and dryRun each command
 * passes; the confirmation asked on a terminal and not with --yes (or CI); bad input stopping before any
 * lifecycle is built, the state file unchanged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../../src/api/pool-change.js';
import { createNodePool, deleteNodePool, scaleNodePool } from '../../src/commands/nodepool-action.js';
import { InputError, InterruptedError, NotFoundError } from '../../src/errors.js';
import { APPS_ID as APPS, day2Bench, type Day2Bench } from '../helpers/day2-bench.js';

let b: Day2Bench;
beforeEach(async () => {
  b = await day2Bench();
});
afterEach(() => b.cleanup());

const DEFAULT_DRAIN = { timeoutMs: DEFAULT_DRAIN_TIMEOUT_MS, force: false, deleteEmptyDirData: false };

describe('scale nodepool', () => {
  it('passes the recorded pools with the one count changed, and the default drain flags', async () => {
    const { cenv, io } = b.env();
    await scaleNodePool('apps', 'general', { count: '5' }, b.globals(), cenv);
    expect(b.rec.calls).toEqual([
      {
        call: 'reconcilePools',
        id: APPS,
        target: { pools: [{ ...b.specs.get('apps')!.nodePools[0], count: 5 }, b.specs.get('apps')!.nodePools[1]] },
        opts: { drain: DEFAULT_DRAIN },
      },
    ]);
    expect(io().asked).toEqual([]);
    expect(io().stdout.join('\n')).toBe(
      'Scaled node pool general of cluster apps (aws/us-east-1): 3 → 5.\n  pool general: 3 → 5',
    );
  });

  it('passes --drain-timeout, --force and --delete-emptydir-data, and --dry-run as dryRun without asking', async () => {
    const { cenv, io } = b.env([], { terminal: true });
    await scaleNodePool(
      'apps',
      'batch',
      { count: '0', drainTimeout: '1m30s', force: true, deleteEmptydirData: true, dryRun: true },
      b.globals({ output: 'json' }),
      cenv,
    );
    expect(b.rec.calls).toHaveLength(1);
    expect(b.rec.calls[0]).toMatchObject({
      target: {
        pools: [
          { name: 'general', count: 3 },
          { name: 'batch', count: 0 },
        ],
      },
      opts: { drain: { timeoutMs: 90_000, force: true, deleteEmptyDirData: true }, dryRun: true },
    });
    expect(io().asked).toEqual([]);
    expect(JSON.parse(io().stdout.join(''))).toEqual({
      cluster: APPS,
      dryRun: true,
      pools: [{ name: 'batch', from: 2, to: 0 }],
      added: [],
      removed: [],
      steps: [{ id: 'pool-batch', title: 'Bring pool batch to 0', needs: [] }],
    });
  });

  it('asks on a terminal, saying how many nodes will be drained; "no" changes nothing', async () => {
    const { cenv, io } = b.env(
      [
        {
          ask: /^Scale node pool batch of cluster apps \(aws\/us-east-1\) from 2 to 1 node\(s\)\? 1 node\(s\) will be drained and deleted\.$/,
          answer: false,
        },
      ],
      { terminal: true },
    );
    await expect(scaleNodePool('apps', 'batch', { count: '1' }, b.globals(), cenv)).rejects.toBeInstanceOf(
      InterruptedError,
    );
    expect(io().unused).toEqual([]);
    expect(b.rec.built).toEqual([]);
    expect(b.rec.calls).toEqual([]);
  });

  it('goes ahead after "yes" on a terminal, and asks nothing with --yes', async () => {
    const asked = b.env([{ ask: /^Scale node pool general/, answer: true }], { terminal: true });
    await scaleNodePool('apps', 'general', { count: '4' }, b.globals(), asked.cenv);
    expect(asked.io().unused).toEqual([]);
    const yes = b.env([], { terminal: true });
    await scaleNodePool('apps', 'general', { count: '2' }, b.globals({ yes: true }), yes.cenv);
    expect(yes.io().asked).toEqual([]);
    expect(b.rec.calls.map((c) => c.call === 'reconcilePools' && c.target.pools[0]!.count)).toEqual([4, 2]);
  });

  it.each([
    ['an unknown pool', 'nope', '3', /cluster apps has no node pool "nope"/, ['<pool>']],
    [
      'a negative count',
      'general',
      '-1',
      /--count \(spec\.nodePools\[0\]\.count\): must be a whole number >= 0, got -1/,
      ['--count'],
    ],
    [
      'a count above max',
      'general',
      '6',
      /--count \(spec\.nodePools\[0\]\.count\): is 6, above the pool's max 5/,
      ['--count'],
    ],
    [
      'a count below min',
      'general',
      '0',
      /--count \(spec\.nodePools\[0\]\.count\): is 0, below the pool's min 1/,
      ['--count'],
    ],
    ['a count that is not a whole number', 'general', '2.5', /--count must be a whole number, got "2\.5"/, ['--count']],
    ['no count', 'general', undefined, /--count is required/, ['--count']],
  ])(
    'refuses %s: exit 2 naming it, before any lifecycle, state untouched',
    async (_what, pool, count, message, fields) => {
      const before = b.stateBytes();
      const { cenv } = b.env([], { terminal: true });
      const err = await scaleNodePool('apps', pool, { count }, b.globals(), cenv).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(message);
      expect((err as InputError).fields).toEqual(fields);
      expect(b.rec.built).toEqual([]);
      expect(b.stateBytes()).toEqual(before);
    },
  );

  it('names the pools there are for an unknown pool, and refuses a bad --drain-timeout first', async () => {
    const { cenv } = b.env();
    await expect(scaleNodePool('apps', 'nope', { count: '1' }, b.globals(), cenv)).rejects.toMatchObject({
      hint: 'its pools: general, batch',
    });
    await expect(
      scaleNodePool('apps', 'general', { count: '1', drainTimeout: 'soon' }, b.globals(), cenv),
    ).rejects.toThrow(/--drain-timeout: "soon" is not a duration/);
    await expect(scaleNodePool('nope', 'general', { count: '1' }, b.globals(), cenv)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(b.rec.built).toEqual([]);
  });
});

describe('create nodepool', () => {
  it('passes the recorded pools plus the new one, labels and taints parsed, size defaulted', async () => {
    const { cenv } = b.env();
    await createNodePool(
      'apps',
      {
        name: 'gpu',
        count: '1',
        label: ['example.com/gpu=true,tier=ml'],
        taint: ['nvidia.com/gpu=true:NoSchedule', 'dedicated:NoExecute'],
        min: '0',
        max: '3',
      },
      b.globals(),
      cenv,
    );
    expect(b.rec.calls).toEqual([
      {
        call: 'reconcilePools',
        id: APPS,
        target: {
          pools: [
            ...b.specs.get('apps')!.nodePools,
            {
              name: 'gpu',
              count: 1,
              min: 0,
              max: 3,
              size: 't3.large',
              spot: false,
              labels: { 'example.com/gpu': 'true', tier: 'ml' },
              taints: [
                { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' },
                { key: 'dedicated', value: '', effect: 'NoExecute' },
              ],
            },
          ],
        },
        opts: { drain: DEFAULT_DRAIN },
      },
    ]);
  });

  it.each([
    [
      'a taint without an effect',
      { taint: ['gpu=true'] },
      /--taint "gpu=true" is not a taint: write a taint as key=value:Effect/,
      '--taint',
    ],
    [
      'an unknown effect',
      { taint: ['gpu=true:Never'] },
      /--taint "gpu=true:Never": effect "Never" is not one of/,
      '--taint',
    ],
    [
      'the same taint twice',
      { taint: ['a=1:NoSchedule', 'a=2:NoSchedule'] },
      /--taint \(spec\.nodePools\[2\]\.taints\[1\]\): "a=2:NoSchedule" repeats the key and effect/,
      '--taint',
    ],
    ['a label without "="', { label: ['tier'] }, /--label "tier" is not a label: write key=value/, '--label'],
    [
      'a reserved label',
      { label: ['kubernetes.io/role=x'] },
      /--label \(spec\.nodePools\[2\]\.labels\.kubernetes\.io\/role\): .*reserved/,
      '--label',
    ],
    ['a duplicate pool name', { name: 'batch' }, /cluster apps already has a node pool "batch"/, '--name'],
    [
      'a name that is not a DNS label',
      { name: 'GPU_1' },
      /--name \(spec\.nodePools\[2\]\.name\): "GPU_1" is not a DNS label/,
      '--name',
    ],
    [
      'a zone that is no zone name',
      { zones: 'US_EAST_1A' },
      /--zones \(spec\.nodePools\[2\]\.zones\[0\]\): "US_EAST_1A" is not a zone name/,
      '--zones',
    ],
    ['max below min', { min: '3', max: '2' }, /--min \(spec\.nodePools\[2\]\.min\): is 3, above max 2/, '--min'],
  ])('refuses %s: exit 2 naming the flag, nothing built', async (_what, flags, message, field) => {
    const before = b.stateBytes();
    const { cenv } = b.env();
    const err = await createNodePool('apps', { name: 'gpu', count: '1', ...flags }, b.globals(), cenv).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
    expect((err as InputError).fields).toContain(field);
    expect(b.rec.built).toEqual([]);
    expect(b.stateBytes()).toEqual(before);
  });
});

describe('delete nodepool', () => {
  it('passes the pools without it and the drain flags; asks on a terminal', async () => {
    const { cenv, io } = b.env(
      [
        {
          ask: /^Delete node pool batch of cluster apps \(aws\/us-east-1\)\? Its 2 node\(s\) will be drained and deleted\.$/,
          answer: true,
        },
      ],
      { terminal: true },
    );
    await deleteNodePool('apps', 'batch', { drainTimeout: '10m', force: true }, b.globals(), cenv);
    expect(io().unused).toEqual([]);
    expect(b.rec.calls).toEqual([
      {
        call: 'reconcilePools',
        id: APPS,
        target: { pools: [b.specs.get('apps')!.nodePools[0]] },
        opts: { drain: { timeoutMs: 600_000, force: true, deleteEmptyDirData: false } },
      },
    ]);
    expect(io().stdout.join('\n')).toMatch(
      /^Deleted node pool batch of cluster apps \(aws\/us-east-1\)\.\n {2}pool batch: 2 → 0$/,
    );
  });

  it('refuses an unknown pool before anything is built', async () => {
    const { cenv } = b.env();
    await expect(deleteNodePool('apps', 'gpu', {}, b.globals(), cenv)).rejects.toThrow(/has no node pool "gpu"/);
    expect(b.rec.built).toEqual([]);
  });
});
