/**
 * The command layer of `scale nodepool`, `create nodepool`, `delete nodepool` and `apply -f` against
 * a recording ClusterLifecycle: the target pools, drain flags, CIDRs and dryRun each command passes;
 * the confirmation asked on a terminal and not with --yes (or CI); bad input stopping before any
 * lifecycle is built. The clusters' state is real (LocalStateStore in a temporary directory).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import type { SpecInput } from '../../src/api/input.js';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../../src/api/pool-change.js';
import { assertValidSpec } from '../../src/api/validate.js';
import { clusterIdOf, type ClusterSpec } from '../../src/api/types.js';
import { applyCluster } from '../../src/commands/apply-action.js';
import type { CommandEnv, GlobalOptions } from '../../src/commands/context.js';
import { createNodePool, deleteNodePool, scaleNodePool } from '../../src/commands/nodepool-action.js';
import { InputError, InterruptedError, NotFoundError } from '../../src/errors.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import { newClusterState } from '../../src/state/new-state.js';
import { recordingLifecycle, type RecordingLifecycle } from '../helpers/recording-lifecycle.js';
import { scriptedIo, type Answer, type ScriptedIo } from '../helpers/scripted-io.js';

const EKS: SpecInput = {
  name: 'apps',
  provider: 'aws',
  type: 'managed',
  region: 'us-east-1',
  network: { allowCidrs: ['203.0.113.0/24'] },
  nodePools: [
    { name: 'general', count: 3, min: 1, max: 5, size: 't3.large', labels: { tier: 'web' } },
    { name: 'batch', count: 2, size: 'm7g.large', spot: true },
  ],
};

let dir: string;
let stateDir: string;
let specs: Map<string, ClusterSpec>;
let rec: RecordingLifecycle;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-poolcmd-'));
  stateDir = path.join(dir, 'state');
  specs = new Map();
  rec = recordingLifecycle((id) => specs.get(id.name)!);
  await saveCluster(EKS);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function saveCluster(input: SpecInput): Promise<void> {
  const spec = assertValidSpec(applyDefaults(input));
  specs.set(spec.name, spec);
  const h = await new LocalStateStore(stateDir).lock(clusterIdOf(spec), 'test');
  try {
    await h.save({ ...newClusterState(spec), phase: 'ready' });
  } finally {
    h.release();
  }
}

const stateBytes = (name = 'apps', provider = 'aws', region = 'us-east-1') =>
  readFileSync(path.join(stateDir, 'clusters', provider, region, name, 'state.json'));

/** A terminal whose person answers `answers` (interactive unless --yes, as the console host decides). */
function env(answers: Answer[] = [], opts: { terminal?: boolean } = {}): { cenv: CommandEnv; io: () => ScriptedIo } {
  let last: ScriptedIo | undefined;
  const cenv: CommandEnv = {
    env: { HOME: dir },
    signal: new AbortController().signal,
    io: (g) => (last ??= scriptedIo(answers, { interactive: (opts.terminal ?? false) && !g.yes })),
    argv: ['test'],
    lifecycleFor: (type, deps) => rec.lifecycleFor(type, deps),
  };
  return { cenv, io: () => last! };
}
const g = (more: Partial<GlobalOptions> = {}): GlobalOptions => ({
  verbose: false,
  color: false,
  yes: false,
  stateDir,
  ...more,
});
const APPS = { provider: 'aws', region: 'us-east-1', name: 'apps' };
const DEFAULT_DRAIN = { timeoutMs: DEFAULT_DRAIN_TIMEOUT_MS, force: false, deleteEmptyDirData: false };

describe('scale nodepool', () => {
  it('passes the recorded pools with the one count changed, and the default drain flags', async () => {
    const { cenv, io } = env();
    await scaleNodePool('apps', 'general', { count: '5' }, g(), cenv);
    expect(rec.calls).toEqual([
      {
        call: 'reconcilePools',
        id: APPS,
        target: { pools: [{ ...specs.get('apps')!.nodePools[0], count: 5 }, specs.get('apps')!.nodePools[1]] },
        opts: { drain: DEFAULT_DRAIN },
      },
    ]);
    expect(io().asked).toEqual([]);
    expect(io().stdout.join('\n')).toBe(
      'Scaled node pool general of cluster apps (aws/us-east-1): 3 → 5.\n  pool general: 3 → 5',
    );
  });

  it('passes --drain-timeout, --force and --delete-emptydir-data, and --dry-run as dryRun without asking', async () => {
    const { cenv, io } = env([], { terminal: true });
    await scaleNodePool(
      'apps',
      'batch',
      { count: '0', drainTimeout: '1m30s', force: true, deleteEmptydirData: true, dryRun: true },
      g({ output: 'json' }),
      cenv,
    );
    expect(rec.calls).toHaveLength(1);
    expect(rec.calls[0]).toMatchObject({
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
    const { cenv, io } = env(
      [
        {
          ask: /^Scale node pool batch of cluster apps \(aws\/us-east-1\) from 2 to 1 node\(s\)\? 1 node\(s\) will be drained and deleted\.$/,
          answer: false,
        },
      ],
      { terminal: true },
    );
    await expect(scaleNodePool('apps', 'batch', { count: '1' }, g(), cenv)).rejects.toBeInstanceOf(InterruptedError);
    expect(io().unused).toEqual([]);
    expect(rec.built).toEqual([]);
    expect(rec.calls).toEqual([]);
  });

  it('goes ahead after "yes" on a terminal, and asks nothing with --yes', async () => {
    const asked = env([{ ask: /^Scale node pool general/, answer: true }], { terminal: true });
    await scaleNodePool('apps', 'general', { count: '4' }, g(), asked.cenv);
    expect(asked.io().unused).toEqual([]);
    const yes = env([], { terminal: true });
    await scaleNodePool('apps', 'general', { count: '2' }, g({ yes: true }), yes.cenv);
    expect(yes.io().asked).toEqual([]);
    expect(rec.calls.map((c) => c.call === 'reconcilePools' && c.target.pools[0]!.count)).toEqual([4, 2]);
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
      const before = stateBytes();
      const { cenv } = env([], { terminal: true });
      const err = await scaleNodePool('apps', pool, { count }, g(), cenv).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(message);
      expect((err as InputError).fields).toEqual(fields);
      expect(rec.built).toEqual([]);
      expect(stateBytes()).toEqual(before);
    },
  );

  it('names the pools there are for an unknown pool, and refuses a bad --drain-timeout first', async () => {
    const { cenv } = env();
    await expect(scaleNodePool('apps', 'nope', { count: '1' }, g(), cenv)).rejects.toMatchObject({
      hint: 'its pools: general, batch',
    });
    await expect(scaleNodePool('apps', 'general', { count: '1', drainTimeout: 'soon' }, g(), cenv)).rejects.toThrow(
      /--drain-timeout: "soon" is not a duration/,
    );
    await expect(scaleNodePool('nope', 'general', { count: '1' }, g(), cenv)).rejects.toBeInstanceOf(NotFoundError);
    expect(rec.built).toEqual([]);
  });
});

describe('create nodepool', () => {
  it('passes the recorded pools plus the new one, labels and taints parsed, size defaulted', async () => {
    const { cenv } = env();
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
      g(),
      cenv,
    );
    expect(rec.calls).toEqual([
      {
        call: 'reconcilePools',
        id: APPS,
        target: {
          pools: [
            ...specs.get('apps')!.nodePools,
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
      'zones where the cloud takes none',
      { zones: 'us-east-1a' },
      /--zones \(spec\.nodePools\[2\]\.zones\): pool zones are not supported here/,
      '--zones',
    ],
    ['max below min', { min: '3', max: '2' }, /--min \(spec\.nodePools\[2\]\.min\): is 3, above max 2/, '--min'],
  ])('refuses %s: exit 2 naming the flag, nothing built', async (_what, flags, message, field) => {
    const before = stateBytes();
    const { cenv } = env();
    const err = await createNodePool('apps', { name: 'gpu', count: '1', ...flags }, g(), cenv).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
    expect((err as InputError).fields).toContain(field);
    expect(rec.built).toEqual([]);
    expect(stateBytes()).toEqual(before);
  });
});

describe('delete nodepool', () => {
  it('passes the pools without it and the drain flags; asks on a terminal', async () => {
    const { cenv, io } = env(
      [
        {
          ask: /^Delete node pool batch of cluster apps \(aws\/us-east-1\)\? Its 2 node\(s\) will be drained and deleted\.$/,
          answer: true,
        },
      ],
      { terminal: true },
    );
    await deleteNodePool('apps', 'batch', { drainTimeout: '10m', force: true }, g(), cenv);
    expect(io().unused).toEqual([]);
    expect(rec.calls).toEqual([
      {
        call: 'reconcilePools',
        id: APPS,
        target: { pools: [specs.get('apps')!.nodePools[0]] },
        opts: { drain: { timeoutMs: 600_000, force: true, deleteEmptyDirData: false } },
      },
    ]);
    expect(io().stdout.join('\n')).toMatch(
      /^Deleted node pool batch of cluster apps \(aws\/us-east-1\)\.\n {2}pool batch: 2 → 0$/,
    );
  });

  it('refuses an unknown pool before anything is built', async () => {
    const { cenv } = env();
    await expect(deleteNodePool('apps', 'gpu', {}, g(), cenv)).rejects.toThrow(/has no node pool "gpu"/);
    expect(rec.built).toEqual([]);
  });
});

describe('apply -f', () => {
  const file = (spec: string) => {
    const p = path.join(dir, `apps-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      p,
      `apiVersion: ksctl.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: apps\nspec:\n  provider: aws\n  type: managed\n  region: us-east-1\n${spec}`,
    );
    return p;
  };
  const POOLS = (general: number, extra = '') =>
    `  nodePools:\n    - { name: general, count: ${general}, min: 1, max: 5, size: t3.large, labels: { tier: web } }\n    - { name: batch, count: 2, size: m7g.large, spot: true }\n${extra}`;
  const SAME = `  network: { allowCidrs: [203.0.113.0/24] }\n${POOLS(3)}`;

  it('says "no changes" and calls nothing when the file is what the cluster has', async () => {
    const { cenv, io } = env([], { terminal: true });
    await applyCluster({ file: file(SAME) }, g(), cenv);
    expect(io().stdout.join('\n')).toBe(
      'Plan for cluster apps (aws/us-east-1):\nNo changes: the cluster matches the file.',
    );
    expect(io().asked).toEqual([]);
    expect(rec.built).toEqual([]);
  });

  it('prints the plan and stops with --dry-run', async () => {
    const { cenv, io } = env([], { terminal: true });
    await applyCluster({ file: file(`${POOLS(4)}`), dryRun: true }, g(), cenv);
    expect(io().stdout.join('\n')).toMatch(/~ nodePools\[general\]\.count: 3 → 4/);
    expect(io().asked).toEqual([]);
    expect(rec.built).toEqual([]);
  });

  it("asks on a terminal, then changes access first and brings the pools to the file's", async () => {
    const edited = `  network: { allowCidrs: [198.51.100.0/24] }\n${POOLS(4, '    - { name: gpu, count: 1, size: g5.xlarge, taints: ["gpu=true:NoSchedule"] }\n')}`;
    const { cenv, io } = env([{ ask: /^Apply this plan to cluster apps \(aws\/us-east-1\)\?$/, answer: true }], {
      terminal: true,
    });
    await applyCluster({ file: file(edited), drainTimeout: '2m' }, g(), cenv);
    expect(io().unused).toEqual([]);
    expect(rec.calls.map((c) => c.call)).toEqual(['updateAccess', 'reconcilePools']);
    expect(rec.calls[0]).toEqual({ call: 'updateAccess', id: APPS, allowCidrs: ['198.51.100.0/24'], opts: {} });
    const pools = rec.calls[1]!.call === 'reconcilePools' ? rec.calls[1]!.target.pools : [];
    expect(pools.map((p) => [p.name, p.count])).toEqual([
      ['general', 4],
      ['batch', 2],
      ['gpu', 1],
    ]);
    expect(rec.calls[1]).toMatchObject({ opts: { drain: { timeoutMs: 120_000, force: false } } });
    expect(rec.calls[1]).not.toHaveProperty('target.machines');
    const out = io().stdout.join('\n');
    expect(out).toMatch(/^Plan for cluster apps/);
    expect(out).toMatch(
      /Applied the plan to cluster apps \(aws\/us-east-1\)\.\n {2}pool general: 3 → 4\n {2}pool gpu: 0 → 1\n {2}allowed CIDRs: 198\.51\.100\.0\/24$/,
    );
  });

  it('"no" at the prompt changes nothing; without a terminal it proceeds; -o json is one document', async () => {
    const no = env([{ ask: /^Apply this plan/, answer: false }], { terminal: true });
    await expect(applyCluster({ file: file(POOLS(2)) }, g(), no.cenv)).rejects.toBeInstanceOf(InterruptedError);
    expect(rec.built).toEqual([]);
    const ci = env();
    await applyCluster({ file: file(POOLS(2)) }, g({ output: 'json' }), ci.cenv);
    expect(ci.io().asked).toEqual([]);
    const doc = JSON.parse(ci.io().stdout.join('')) as Record<string, unknown>;
    expect(doc).toMatchObject({
      cluster: APPS,
      changes: [
        { kind: 'allow-cidrs', to: [] },
        { kind: 'pool-resize', pool: 'general', from: 3, to: 2 },
      ],
      refused: [],
      applied: {
        pools: { cluster: APPS, dryRun: false, pools: [{ name: 'general', from: 3, to: 2 }], added: [], removed: [] },
        access: { steps: [{ id: 'access', title: 'Allow the new CIDRs', needs: [] }] },
      },
    });
  });

  it('refuses an immutable change with exit 2 naming the field, before any lifecycle', async () => {
    const before = stateBytes();
    const { cenv, io } = env([], { terminal: true });
    const err = await applyCluster({ file: file(`${SAME.replace('t3.large', 'm7i.large')}`) }, g(), cenv).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).fields).toEqual(['spec.nodePools[general].size']);
    expect(io().stdout.join('\n')).toMatch(/x spec\.nodePools\[general\]\.size: t3\.large → m7i\.large/);
    expect(rec.built).toEqual([]);
    expect(stateBytes()).toEqual(before);
  });
});
