/**
 * `ksctl switch` against the real `kubectl` on identical copies of the same kubeconfig files: for every
 * layout of --kubeconfig / $KUBECONFIG / ~/.kube/config, ksctl must change the same files kubectl does
 * (client-go's ModifyConfig and PathOptions.GetDefaultFilename) and leave them meaning the same to
 * kubectl. kubectl's side adds the cluster's entries with `config set-cluster/set-credentials/set-context`
 * when they are new (what switch merges) and then runs `config use-context`.
 */
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { newClusterState } from '../../src/state/new-state.js';
import { ksctl, kubectl, sandbox, type Sandbox } from '../helpers/cli.js';
import { awkwardKubeconfig, expectKubectlLoadsAll } from '../helpers/kubeconfig.js';

const CTX = 'ksctl-local-local-dev';
const SERVER = 'https://127.0.0.1:39443';
const TOKEN = 'dev-token-0123456789';

/** A ready local cluster in the store, as create leaves it (written directly: this test is about kubeconfigs). */
function plantCluster(ksctlHome: string): void {
  const state = {
    ...newClusterState(applyDefaults({ name: 'dev', provider: 'local' })),
    phase: 'ready' as const,
    kubeconfig: { context: CTX },
  };
  const dir = path.join(ksctlHome, 'clusters', 'local', 'local', 'dev');
  mkdirSync(path.join(dir, 'secrets'), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
  const own = `apiVersion: v1\nkind: Config\nclusters:\n- name: kind-ksctl-dev\n  cluster:\n    server: ${SERVER}\nusers:\n- name: kind-ksctl-dev\n  user:\n    token: ${TOKEN}\ncontexts:\n- name: kind-ksctl-dev\n  context:\n    cluster: kind-ksctl-dev\n    user: kind-ksctl-dev\ncurrent-context: kind-ksctl-dev\n`;
  writeFileSync(path.join(dir, 'secrets', 'kubeconfig'), own, { mode: 0o600 });
}

/** The entries switch merges, as a user's file already holding them (identical, or with a stale server). */
const ENTRIES = (server = SERVER) =>
  `clusters:\n- cluster:\n    server: ${server}\n  name: ${CTX}\ncontexts:\n- context:\n    cluster: ${CTX}\n    user: ${CTX}\n  name: ${CTX}\nusers:\n- name: ${CTX}\n  user:\n    token: ${TOKEN}\n`;
const OTHER = `apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://prod.example.com\n  name: prod\ncontexts:\n- context:\n    cluster: prod\n    user: prod\n  name: prod\ncurrent-context: prod\nusers:\n- name: prod\n  user:\n    token: prod-token\n`;

interface Layout {
  name: string;
  /** Files (relative to the layout dir) and their text; absent files are simply not listed. */
  files: Record<string, string>;
  /** $KUBECONFIG entries (relative), if any. */
  env?: string[];
  /** --kubeconfig (relative), if any. */
  explicit?: string;
  /** How kubectl adds the entries: new ones, a stale server, or nothing to add. */
  entries: 'new' | 'stale' | 'present';
}

const LAYOUTS: Layout[] = [
  { name: '~/.kube/config only', files: { 'home/.kube/config': awkwardKubeconfig() }, entries: 'new' },
  { name: '~/.kube/config missing', files: {}, entries: 'new' },
  {
    name: 'list: first file without current-context, second with one',
    files: { a: awkwardKubeconfig({ currentContext: '' }), b: OTHER },
    env: ['a', 'b'],
    entries: 'new',
  },
  { name: 'list: first file missing', files: { b: awkwardKubeconfig() }, env: ['a', 'b'], entries: 'new' },
  { name: 'list: no file exists', files: {}, env: ['a', 'b'], entries: 'new' },
  { name: 'list of one missing file', files: {}, env: ['a'], entries: 'new' },
  {
    name: 'list: entries in the second file, current-context in the first',
    files: { a: awkwardKubeconfig(), b: `apiVersion: v1\nkind: Config\n${ENTRIES()}` },
    env: ['a', 'b'],
    entries: 'present',
  },
  {
    name: 'list: stale entries in the second file',
    files: { a: awkwardKubeconfig(), b: `apiVersion: v1\nkind: Config\n${ENTRIES('https://stale.invalid:6443')}` },
    env: ['a', 'b'],
    entries: 'stale',
  },
  {
    name: 'already current: nothing to write',
    files: { a: `apiVersion: v1\nkind: Config\n${ENTRIES()}current-context: ${CTX}\n`, b: awkwardKubeconfig() },
    env: ['a', 'b'],
    entries: 'present',
  },
  {
    name: '--kubeconfig beats $KUBECONFIG',
    files: { a: awkwardKubeconfig(), c: OTHER },
    env: ['a', 'b'],
    explicit: 'c',
    entries: 'new',
  },
];

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
  plantCluster(sb.ksctlHome);
});
afterEach(() => sb.cleanup());

function lay(root: string, l: Layout): void {
  mkdirSync(path.join(root, 'home'), { recursive: true });
  for (const [f, text] of Object.entries(l.files)) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), text, { mode: 0o600 });
  }
}

function envFor(root: string, l: Layout): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...sb.env, HOME: path.join(root, 'home') };
  if (l.env) env.KUBECONFIG = l.env.map((f) => path.join(root, f)).join(':');
  else delete env.KUBECONFIG;
  return env;
}

/** Every kubeconfig file under `root` (lock and temp files never stay behind). */
function files(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(root, p), readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return out;
}

/** What kubectl reads from one file, lists sorted by name (kubectl sorts when it writes; ksctl keeps order). */
async function meaning(file: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  const r = await kubectl(['config', 'view', '--raw', '-o', 'json', '--kubeconfig', file], env);
  expect(r.code, `${file}: ${r.stderr}`).toBe(0);
  const v = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const k of ['clusters', 'users', 'contexts'])
    v[k] = ((v[k] as { name: string }[] | null) ?? []).sort((a, b) => a.name.localeCompare(b.name));
  return v;
}

describe('switch writes kubeconfigs where and as kubectl does', () => {
  it.each(LAYOUTS.map((l) => [l.name, l]))('%s', async (_name, l) => {
    const kRoot = path.join(sb.dir, 'side-kubectl');
    const sRoot = path.join(sb.dir, 'side-ksctl');
    lay(kRoot, l);
    cpSync(kRoot, sRoot, { recursive: true });
    const before = files(kRoot);

    const kEnv = envFor(kRoot, l);
    const kFlags = l.explicit ? ['--kubeconfig', path.join(kRoot, l.explicit)] : [];
    const steps: string[][] = [];
    if (l.entries === 'new')
      steps.push(
        ['set-cluster', CTX, `--server=${SERVER}`],
        ['set-credentials', CTX, `--token=${TOKEN}`],
        ['set-context', CTX, `--cluster=${CTX}`, `--user=${CTX}`],
      );
    if (l.entries === 'stale') steps.push(['set-cluster', CTX, `--server=${SERVER}`]);
    steps.push(['use-context', CTX]);
    for (const s of steps) {
      const r = await kubectl([...kFlags, 'config', ...s], kEnv);
      expect(r.code, `kubectl config ${s.join(' ')}: ${r.stderr}`).toBe(0);
    }

    const sEnv = envFor(sRoot, l);
    const sw = await ksctl(
      [...(l.explicit ? ['--kubeconfig', path.join(sRoot, l.explicit)] : []), 'switch', 'dev'],
      sEnv,
    );
    expect(sw.code, sw.stderr).toBe(0);

    const k = files(kRoot);
    const s = files(sRoot);
    expect([...s.keys()].sort(), 'the same files exist').toEqual([...k.keys()].sort());
    const changed = (m: Map<string, string>) => [...m.keys()].filter((f) => before.get(f) !== m.get(f)).sort();
    expect(changed(s), 'the same files changed').toEqual(changed(k));
    for (const f of k.keys())
      expect(await meaning(path.join(sRoot, f), sEnv), f).toEqual(await meaning(path.join(kRoot, f), kEnv));

    // And kubectl sees the same merged configuration, with the awkward names intact where they were seeded.
    const current = await kubectl(
      [...(l.explicit ? ['--kubeconfig', path.join(sRoot, l.explicit)] : []), 'config', 'current-context'],
      sEnv,
    );
    expect(current.stdout.trim()).toBe(CTX);
    if (!l.explicit && Object.values(l.files).some((t) => t.includes('awkward')))
      await expectKubectlLoadsAll(sEnv, `switch (${l.name})`);
    expect(existsSync(path.join(sRoot, 'home', '.kube', 'config.lock'))).toBe(false);
  });
});

describe('a symlinked kubeconfig', () => {
  it('is written through the link, as kubectl writes it, and the link stays a link', async () => {
    const target = path.join(sb.dir, 'dotfiles', 'kube.yaml');
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, awkwardKubeconfig(), { mode: 0o600 });
    const link = path.join(sb.home, '.kube', 'config');
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(target, link);
    const sw = await ksctl(['switch', 'dev'], sb.env);
    expect(sw.code, sw.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toContain(`current-context: ${CTX}`);
    await expectKubectlLoadsAll(sb.env, 'switch through a symlink');
  });
});
