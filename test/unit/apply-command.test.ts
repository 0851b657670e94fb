/**
 * The command layer of `apply -f` against a recording ClusterLifecycle (test/helpers/day2-bench.ts):
 * "no changes" and --dry-run call nothing; a plan is confirmed on a terminal, then access changes and
 * the file's pools are passed on; -o json is one document; an immutable change stops before anything.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyCluster } from '../../src/commands/apply-action.js';
import { InputError, InterruptedError } from '../../src/errors.js';
import { APPS_ID as APPS, day2Bench, type Day2Bench } from '../helpers/day2-bench.js';

let b: Day2Bench;
beforeEach(async () => {
  b = await day2Bench();
});
afterEach(() => b.cleanup());

describe('apply -f', () => {
  const file = (spec: string) => {
    const p = path.join(b.dir, `apps-${Math.random().toString(36).slice(2)}.yaml`);
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
    const { cenv, io } = b.env([], { terminal: true });
    await applyCluster({ file: file(SAME) }, b.globals(), cenv);
    expect(io().stdout.join('\n')).toBe(
      'Plan for cluster apps (aws/us-east-1):\nNo changes: the cluster matches the file.',
    );
    expect(io().asked).toEqual([]);
    expect(b.rec.built).toEqual([]);
  });

  it('prints the plan and stops with --dry-run', async () => {
    const { cenv, io } = b.env([], { terminal: true });
    await applyCluster({ file: file(`${POOLS(4)}`), dryRun: true }, b.globals(), cenv);
    expect(io().stdout.join('\n')).toMatch(/~ nodePools\[general\]\.count: 3 → 4/);
    expect(io().asked).toEqual([]);
    expect(b.rec.built).toEqual([]);
  });

  it("asks on a terminal, then changes access first and brings the pools to the file's", async () => {
    const edited = `  network: { allowCidrs: [198.51.100.0/24] }\n${POOLS(4, '    - { name: gpu, count: 1, size: g5.xlarge, taints: ["gpu=true:NoSchedule"] }\n')}`;
    const { cenv, io } = b.env([{ ask: /^Apply this plan to cluster apps \(aws\/us-east-1\)\?$/, answer: true }], {
      terminal: true,
    });
    await applyCluster({ file: file(edited), drainTimeout: '2m' }, b.globals(), cenv);
    expect(io().unused).toEqual([]);
    expect(b.rec.calls.map((c) => c.call)).toEqual(['updateAccess', 'reconcilePools']);
    expect(b.rec.calls[0]).toEqual({ call: 'updateAccess', id: APPS, allowCidrs: ['198.51.100.0/24'], opts: {} });
    const pools = b.rec.calls[1]!.call === 'reconcilePools' ? b.rec.calls[1]!.target.pools : [];
    expect(pools.map((p) => [p.name, p.count])).toEqual([
      ['general', 4],
      ['batch', 2],
      ['gpu', 1],
    ]);
    expect(b.rec.calls[1]).toMatchObject({ opts: { drain: { timeoutMs: 120_000, force: false } } });
    expect(b.rec.calls[1]).not.toHaveProperty('target.machines');
    const out = io().stdout.join('\n');
    expect(out).toMatch(/^Plan for cluster apps/);
    expect(out).toMatch(
      /Applied the plan to cluster apps \(aws\/us-east-1\)\.\n {2}pool general: 3 → 4\n {2}pool gpu: 0 → 1\n {2}allowed CIDRs: 198\.51\.100\.0\/24$/,
    );
  });

  it('shows the plan on stderr before asking when stdout carries -o json', async () => {
    const { cenv, io } = b.env([{ ask: /^Apply this plan/, answer: false }], { terminal: true });
    await expect(applyCluster({ file: file(POOLS(2)) }, b.globals({ output: 'json' }), cenv)).rejects.toBeInstanceOf(
      InterruptedError,
    );
    expect(io().stderr.join('\n')).toMatch(/~ nodePools\[general\]\.count: 3 → 2 \(1 to drain and delete\)/);
    expect(io().stdout).toEqual([]);
  });

  it('"no" at the prompt changes nothing; without a terminal it proceeds; -o json is one document', async () => {
    const no = b.env([{ ask: /^Apply this plan/, answer: false }], { terminal: true });
    await expect(applyCluster({ file: file(POOLS(2)) }, b.globals(), no.cenv)).rejects.toBeInstanceOf(InterruptedError);
    expect(b.rec.built).toEqual([]);
    const ci = b.env();
    await applyCluster({ file: file(POOLS(2)) }, b.globals({ output: 'json' }), ci.cenv);
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
    const before = b.stateBytes();
    const { cenv, io } = b.env([], { terminal: true });
    const err = await applyCluster({ file: file(`${SAME.replace('t3.large', 'm7i.large')}`) }, b.globals(), cenv).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).fields).toEqual(['spec.nodePools[general].size']);
    expect(io().stdout.join('\n')).toMatch(/x spec\.nodePools\[general\]\.size: t3\.large → m7i\.large/);
    expect(b.rec.built).toEqual([]);
    expect(b.stateBytes()).toEqual(before);
  });
});
