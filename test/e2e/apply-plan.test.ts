/**
 * `ksctl apply -f` through the CLI on a real (stand-in kind) cluster: the plan of an edited file,
 * `-o json`, refusals (exit 2, nothing changed) and "no changes" after create. The state file must be
 * byte for byte what it was: apply --dry-run changes nothing. (What apply passes on to the managers
 * when it runs: test/unit/apply-command.test.ts.)
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ksctl, sandbox, type Sandbox } from '../helpers/cli.js';

let sb: Sandbox;
const file = (name: string, spec: string) => {
  const p = path.join(sb.dir, name);
  writeFileSync(p, `apiVersion: ksctl.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: web\nspec:\n${spec}`);
  return p;
};
const stateBytes = () =>
  readFileSync(path.join(sb.ksctlHome, 'clusters', 'local', 'local', 'web', 'state.json'), 'utf8');
const ORIGINAL =
  '  provider: local\n  nodePools:\n    - { name: front, count: 2, labels: { tier: web } }\n    - { name: back, count: 1 }\n';

beforeAll(async () => {
  sb = sandbox();
  const created = await ksctl(['create', 'cluster', '-f', file('web.yaml', ORIGINAL)], sb.env);
  expect(created.code, created.stderr).toBe(0);
}, 120_000);
afterAll(() => sb.cleanup());

describe('ksctl apply -f', () => {
  it('finds nothing to do right after create, with or without --dry-run', async () => {
    for (const extra of [['--dry-run'], []]) {
      const r = await ksctl(['apply', '-f', path.join(sb.dir, 'web.yaml'), ...extra], sb.env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('Plan for cluster web (local/local):\nNo changes: the cluster matches the file.\n');
    }
  });

  it('prints the plan of an edited file without colour off a terminal, and changes nothing', async () => {
    const before = stateBytes();
    const edited = file(
      'edited.yaml',
      '  provider: local\n  nodePools:\n    - { name: front, count: 3, labels: { tier: frontend, team: a } }\n    - { name: batch, count: 1, labels: { q: x } }\n',
    );
    const r = await ksctl(['apply', '-f', edited, '--dry-run'], sb.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        'Plan for cluster web (local/local):',
        '  ~ nodePools[front].count: 2 → 3 (1 to add)',
        '  ~ nodePools[front].labels: +team=a, ~tier: web → frontend',
        '  + nodePools[batch]: 1 × node; labels q=x',
        '  - nodePools[back]: 1 node(s) drained and deleted',
        'Plan: 1 pool(s) to add, 1 to resize, 1 to remove, 1 other change(s).',
        '',
      ].join('\n'),
    );
    // eslint-disable-next-line no-control-regex -- no ANSI escape may reach a pipe
    expect(r.stdout).not.toMatch(/\u001b/);
    const json = await ksctl(['apply', '-f', edited, '--dry-run', '-o', 'json'], sb.env);
    expect(json.code, json.stderr).toBe(0);
    const plan = JSON.parse(json.stdout) as { cluster: unknown; changes: { kind: string }[]; refused: unknown[] };
    expect(plan.cluster).toEqual({ provider: 'local', region: 'local', name: 'web' });
    expect(plan.changes.map((c) => c.kind)).toEqual(['pool-resize', 'pool-labels', 'pool-add', 'pool-remove']);
    expect(plan.refused).toEqual([]);
    expect(stateBytes()).toBe(before);
  });

  it('refuses a change apply cannot make in place: exit 2, the field named, nothing changed', async () => {
    const before = stateBytes();
    const r = await ksctl(
      [
        'apply',
        '-f',
        file('cp.yaml', `${ORIGINAL}  controlPlane: { count: 3 }\n  kubernetesVersion: "1.30.1"\n`),
        '--dry-run',
      ],
      sb.env,
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/x spec\.controlPlane\.count: 1 → 3: apply changes workers only/);
    expect(r.stderr).toMatch(/spec\.controlPlane\.count: apply changes workers only/);
    expect(r.stderr).toMatch(/nothing was changed/);
    expect(stateBytes()).toBe(before);
  });

  it('names a cluster that does not exist, and bad pools as create does', async () => {
    const missing = await ksctl(['apply', '-f', file('other.yaml', ORIGINAL), '--dry-run'], {
      ...sb.env,
      KSCTL_HOME: path.join(sb.dir, 'empty'),
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cluster web \(local\/local\) does not exist/);
    const dup = await ksctl(
      [
        'apply',
        '-f',
        file('dup.yaml', '  provider: local\n  nodePools: [{ name: a, count: 1 }, { name: a, count: 2 }]\n'),
        '--dry-run',
      ],
      sb.env,
    );
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/spec\.nodePools\[1\]\.name: "a" is already the name of spec\.nodePools\[0\]/);
    expect(readdirSync(sb.dir)).not.toContain('empty');
  });
});
