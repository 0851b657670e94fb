/**
 * The fast path (src/cli/fast.ts) must be invisible: for the same command lines, the built CLI with it
 * and without it (KSCTL_NO_FAST_PATH=1, the full commander program) print the same, exit the same and
 * leave the same kubeconfig. Command lines the fast path does not take are covered too, since taking one
 * it should not would show up as a difference.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { parseFast } from '../../src/cli/fast.js';
import { newClusterState } from '../../src/state/new-state.js';
import { ksctl, sandbox, type Sandbox } from '../helpers/cli.js';
import { seedAwkwardKubeconfig } from '../helpers/kubeconfig.js';

let sb: Sandbox;

function plant(
  provider: 'local' | 'ssh',
  region: string,
  name: string,
  phase: 'ready' | 'creating',
  withKubeconfig = true,
): void {
  const spec = applyDefaults({
    name,
    provider,
    region,
    ...(provider === 'ssh' ? { type: 'selfmanaged' as const } : {}),
  });
  const state = {
    ...newClusterState(spec, new Date('2026-01-01T00:00:00Z')),
    phase,
    versions: { kubernetes: '1.31.6' },
  };
  const dir = path.join(sb.ksctlHome, 'clusters', provider, region, name);
  mkdirSync(path.join(dir, 'secrets'), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
  if (withKubeconfig) {
    writeFileSync(
      path.join(dir, 'secrets', 'kubeconfig'),
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\nusers:\n- name: u\n  user:\n    token: token-of-${name}-0123456789\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n`,
      { mode: 0o600 },
    );
  }
}

beforeAll(() => {
  sb = sandbox();
  plant('local', 'local', 'dev', 'ready');
  plant('local', 'local', 'on', 'ready');
  plant('ssh', 'default', 'dev', 'ready'); // "dev" is ambiguous without -p/-r
  plant('local', 'local', 'half', 'creating', false);
  // A corrupt state file: get clusters warns about it.
  mkdirSync(path.join(sb.ksctlHome, 'clusters', 'local', 'eu', 'broken'), { recursive: true });
  writeFileSync(path.join(sb.ksctlHome, 'clusters', 'local', 'eu', 'broken', 'state.json'), '{ not json');
});
afterAll(() => sb?.cleanup());

const CASES: string[][] = [
  ['switch', 'on'],
  ['switch', 'cluster', 'on'],
  ['switch', 'dev'],
  ['switch', 'dev', '-p', 'local'],
  ['switch', 'dev', '--provider', 'ssh', '--region', 'default'],
  ['switch', 'dev', '-p', 'local', '-o', 'json'],
  ['-o', 'yaml', 'switch', 'on'],
  ['switch', 'on', '--kubeconfig', 'KUBE2'],
  ['--kubeconfig', 'KUBE2', 'switch', 'cluster', 'on', '-v'],
  ['switch', 'nope'],
  ['switch', 'half'],
  ['switch', 'on', '-o', 'xml'],
  ['switch', 'on', 'extra'],
  ['switch', '-p', 'local', 'cluster', 'on'],
  ['switch', 'help'],
  ['switch', 'cluster'],
  ['switch', 'on', '--bogus'],
  ['switch', 'on', '-p', 'local', '-p', 'ssh'],
  ['-p', 'local', 'switch', 'on'],
  ['switch', 'on', '--kubeconfig='],
  ['get', 'clusters'],
  ['get', 'clusters', '-o', 'json'],
  ['get', 'clusters', '-o', 'yaml', '--no-color'],
  ['get', 'clusters', '-p', 'ssh'],
  ['get', 'clusters', '--region', 'local', '--yes'],
  ['get', 'clusters', '--state-dir', 'EMPTY'],
  ['get', 'clusters', 'extra'],
  ['get', 'clusters', '--help'],
  ['--help'],
  ['-h'],
  ['help'],
];

describe('the fast path behaves exactly like the full CLI', () => {
  it.each(CASES.map((c) => [c.join(' '), c]))('ksctl %s', async (_label, args) => {
    const results = [];
    for (const mode of ['fast', 'full'] as const) {
      const root = path.join(sb.dir, `${mode}-${args.join('_').replace(/\W/g, '_')}`);
      const home = path.join(root, 'home');
      seedAwkwardKubeconfig(path.join(home, '.kube', 'config'));
      const a = args.map((x) =>
        x === 'KUBE2' ? path.join(root, 'kube2') : x === 'EMPTY' ? path.join(root, 'empty') : x,
      );
      const env = { ...sb.env, HOME: home, ...(mode === 'full' ? { KSCTL_NO_FAST_PATH: '1' } : {}) };
      const r = await ksctl(a, env);
      const read = (f: string) => {
        try {
          return readFileSync(f, 'utf8');
        } catch {
          return undefined;
        }
      };
      results.push({
        code: r.code,
        stdout: r.stdout
          .split(root)
          .join('<root>')
          .replace(/\/\.config\.\d+\./g, ''),
        stderr: r.stderr
          .split(root)
          .join('<root>')
          .replace(/\(file:\/\/[^)]*\)|at [^\n]*/g, ''),
        kube: read(path.join(home, '.kube', 'config')),
        kube2: read(path.join(root, 'kube2')),
      });
    }
    expect(results[0]).toEqual(results[1]);
  });

  it('get clusters prints the same from the list index as from the state files, either way', async () => {
    // The index records state files once they are 2 s old (src/state/local/list-index.ts).
    const newest = Math.max(
      ...['dev', 'on', 'half'].map(
        (n) => statSync(path.join(sb.ksctlHome, 'clusters', 'local', 'local', n, 'state.json')).ctimeMs,
      ),
    );
    await new Promise((r) => setTimeout(r, Math.max(0, newest + 2100 - Date.now())));
    const index = path.join(sb.ksctlHome, 'clusters', 'list-index.json');
    for (const args of [
      ['get', 'clusters'],
      ['get', 'clusters', '-o', 'json'],
    ]) {
      rmSync(index, { force: true });
      const fromFiles = await ksctl(args, { ...sb.env, KSCTL_NO_FAST_PATH: '1' });
      expect(Object.keys(JSON.parse(readFileSync(index, 'utf8')).clusters).sort()).toEqual([
        'local/local/dev',
        'local/local/half',
        'local/local/on',
        'ssh/default/dev',
      ]);
      expect(fromFiles.stderr).toMatch(/warning: state file .*broken.* does not parse/);
      for (const env of [sb.env, { ...sb.env, KSCTL_NO_FAST_PATH: '1' }]) {
        const fromIndex = await ksctl(args, env);
        expect({ ...fromIndex, stdout: fromIndex.stdout.replace(/\d+d$/gm, '') }).toEqual({
          ...fromFiles,
          stdout: fromFiles.stdout.replace(/\d+d$/gm, ''),
        });
      }
    }
  });

  it('takes exactly the command lines it understands', () => {
    expect(parseFast(['switch', 'dev'])?.command).toEqual({ kind: 'switch', name: 'dev' });
    expect(parseFast(['--kubeconfig', 'k', 'switch', 'cluster', 'dev', '-p', 'aws', '-o', 'json'])).toEqual({
      command: { kind: 'switch', name: 'dev' },
      flags: { provider: 'aws' },
      globals: { verbose: false, kubeconfig: 'k', stateDir: undefined, color: true, output: 'json', yes: false },
    });
    expect(parseFast(['get', 'clusters', '--no-color', '-v'])?.globals).toMatchObject({ color: false, verbose: true });
    // On a terminal commander wraps help to its width: the full CLI prints it there.
    expect(parseFast(['--help'], () => true)).toBeUndefined();
    for (const no of [
      ['switch'],
      ['switch', 'help'],
      ['switch', 'dev', '-h'],
      ['switch', 'dev', '--kubeconfig=x'],
      ['get', 'cluster', 'dev'],
      ['create', 'cluster', 'x'],
      ['switch', 'dev', '-o', 'xml'],
      ['-p', 'aws', 'switch', 'dev'],
      ['switch', 'dev', '--'],
      [],
    ]) {
      expect(parseFast(no), no.join(' ')).toBeUndefined();
    }
  });
});
