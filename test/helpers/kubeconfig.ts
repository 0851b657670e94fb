/**
 * The user's own kubeconfig entries that every kubeconfig-writing e2e command must leave readable to the
 * real kubectl: names YAML 1.1 readers (kubectl's go-yaml v2) take for booleans, nulls and numbers unless
 * they are quoted. A YAML 1.2 writer drops those quotes and kubectl then fails to load the whole file
 * ("cannot unmarshal bool into Go struct field ... of type string").
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { kubectl } from './cli.js';

/** Legal context, cluster and user names that need quoting in YAML 1.1. */
export const AWKWARD_NAMES = ['on', 'off', 'yes', 'no', 'y', 'n', 'null', '~', '1:20', '010', '0o7', '.inf'] as const;

/** A kubeconfig as kubectl itself writes it (sorted keys, quoted where go-yaml v2 quotes), holding AWKWARD_NAMES. */
export function awkwardKubeconfig(opts: { currentContext?: string } = {}): string {
  const q = (s: string) => `"${s}"`;
  const clusters = AWKWARD_NAMES.map(
    (n) => `- cluster:\n    server: https://awkward.example.com:6443\n  name: ${q(n)}\n`,
  ).join('');
  const contexts = AWKWARD_NAMES.map(
    (n) => `- context:\n    cluster: ${q(n)}\n    namespace: ${q(n)}\n    user: ${q(n)}\n  name: ${q(n)}\n`,
  ).join('');
  const users = AWKWARD_NAMES.map(
    (n) => `- name: ${q(n)}\n  user:\n    token: awkward-token-${n.replace(/\W/g, '_')}\n`,
  ).join('');
  const current =
    opts.currentContext === undefined
      ? 'current-context: "on"\n'
      : opts.currentContext
        ? `current-context: ${q(opts.currentContext)}\n`
        : '';
  return `apiVersion: v1\nclusters:\n${clusters}contexts:\n${contexts}${current}kind: Config\npreferences: {}\nusers:\n${users}`;
}

/** Writes awkwardKubeconfig() to `file` (0600, like kubectl). */
export function seedAwkwardKubeconfig(file: string, opts: { currentContext?: string } = {}): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, awkwardKubeconfig(opts), { mode: 0o600 });
}

interface View {
  clusters: { name: string; cluster: { server: string } }[] | null;
  users: { name: string; user: { token?: string } }[] | null;
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[] | null;
  'current-context': string;
}

/**
 * Asserts the real kubectl still loads every kubeconfig file `env` points at (KUBECONFIG, else
 * ~/.kube/config) and that the awkward entries are still there, exactly as seeded. Returns kubectl's view.
 */
export async function expectKubectlLoadsAll(env: NodeJS.ProcessEnv, what = 'kubeconfig'): Promise<View> {
  const r = await kubectl(['config', 'view', '--raw', '-o', 'json'], env);
  expect(r.code, `kubectl config view after ${what}: ${r.stderr}`).toBe(0);
  const view = JSON.parse(r.stdout) as View;
  for (const n of AWKWARD_NAMES) {
    expect(view.clusters?.find((c) => c.name === n)?.cluster.server, `cluster "${n}" after ${what}`).toBe(
      'https://awkward.example.com:6443',
    );
    expect(view.users?.find((u) => u.name === n)?.user.token, `user "${n}" after ${what}`).toBe(
      `awkward-token-${n.replace(/\W/g, '_')}`,
    );
    expect(view.contexts?.find((c) => c.name === n)?.context, `context "${n}" after ${what}`).toEqual({
      cluster: n,
      user: n,
      namespace: n,
    });
  }
  return view;
}

type Run = (args: string[], env: NodeJS.ProcessEnv) => Promise<{ code: number | null; stdout: string; stderr: string }>;

/** The commands that write the user's kubeconfig. */
const WRITERS = new Set(['create', 'switch', 'delete']);

/**
 * Wraps a way of running ksctl so that after every successful kubeconfig-writing command (create, switch,
 * delete) the real kubectl must still load every kubeconfig file, awkward names included (the sandbox's
 * kubeconfig must have been seeded with seedAwkwardKubeconfig).
 */
export function checkingKubeconfigs<R extends Run>(run: R): R {
  return (async (args: string[], env: NodeJS.ProcessEnv) => {
    const r = await run(args, env);
    const command = args.find((a) => !a.startsWith('-'));
    if (r.code === 0 && command && WRITERS.has(command)) await expectKubectlLoadsAll(env, `ksctl ${args.join(' ')}`);
    return r;
  }) as R;
}
