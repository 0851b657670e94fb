/**
 * `ksctl backup` refuses, with exit 2 and nothing written, what it cannot back up: a managed cluster
 * (its etcd is the cloud's). A kubeadm cluster with stacked etcd is no longer refused for its kind: its
 * commands reach the target (test/e2e/ssh-backup-stacked.test.ts backs one up and restores it).
 * The clusters exist only as state (no machine is ever contacted).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import type { SpecInput } from '../../src/api/input.js';
import { newClusterState } from '../../src/state/new-state.js';
import { ksctl, sandbox } from '../helpers/cli.js';

const sb = sandbox();
afterAll(() => sb.cleanup());

function seed(input: SpecInput): string {
  const s = { ...newClusterState(applyDefaults(input)), phase: 'ready' };
  const dir = path.join(sb.ksctlHome, 'clusters', s.id.provider, s.id.region, s.id.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'state.json'), JSON.stringify(s));
  return dir;
}

describe('backup refusals', () => {
  it.each([
    [
      'a managed (kind) cluster',
      { name: 'kindy', provider: 'local' },
      'kindy',
      /kindy is a managed cluster: its etcd belongs to the cloud/,
    ],
  ] as [string, SpecInput, string, RegExp][])('%s: exit 2, nothing written', async (_what, input, name, msg) => {
    const dir = seed(input);
    const before = readFileSync(path.join(dir, 'state.json'), 'utf8');
    for (const args of [
      ['backup', 'create', name],
      ['backup', 'list', name],
      ['backup', 'restore', name, `${name}-20261207t000000z`],
    ]) {
      const r = await ksctl(args, sb.env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    expect(readFileSync(path.join(dir, 'state.json'), 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(existsSync(path.join(sb.ksctlHome, 'backups'))).toBe(false);
  });

  it('stacked etcd (kubeadm) is backed up like the others: list answers, an unknown bundle is the refusal', async () => {
    const dir = seed({
      name: 'stk',
      provider: 'ssh',
      distribution: 'kubeadm',
      etcd: { count: 0 },
      machines: [
        { name: 'lb', role: 'loadbalancer', address: '192.0.2.1' },
        { name: 'cp', role: 'controlplane', address: '192.0.2.2' },
      ],
    });
    const before = readFileSync(path.join(dir, 'state.json'), 'utf8');
    const list = await ksctl(['backup', 'list', 'stk', '-o', 'json'], sb.env);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { backups: unknown[] }).backups).toEqual([]);
    const r = await ksctl(['backup', 'restore', 'stk', 'stk-20261207t000000z'], sb.env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/no backup stk-20261207t000000z at file:\/\//);
    expect(r.stderr).not.toMatch(/stacked/);
    expect(readFileSync(path.join(dir, 'state.json'), 'utf8')).toBe(before);
  });
});
