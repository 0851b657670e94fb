/**
 * The local (kind) provider end to end through the CLI: create, get, describe, switch, delete, checked
 * with the real kubectl. kind itself is the stand-in under test/standins/kind (no Docker images here).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ksctl, kubectl, sandbox, type Sandbox } from '../helpers/cli.js';
import { KIND } from '../../src/api/catalog.js';
// @ts-expect-error plain JS module without types
import { DEFAULT_IMAGE as KIND_STANDIN_DEFAULT_IMAGE } from '../standins/kind/lib/config.mjs';
import { toYaml } from '../../src/util/yaml-write.js';
import { AWKWARD_NAMES, awkwardKubeconfig, expectKubectlLoadsAll } from '../helpers/kubeconfig.js';

const OTHER_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example.com:6443
users:
- name: prod-admin
  user:
    token: prod-token-that-must-survive
contexts:
- name: prod
  context:
    cluster: prod
    user: prod-admin
current-context: prod
`;

const AWKWARD: string[] = [...AWKWARD_NAMES];

/** `base` plus the awkward entries (helpers/kubeconfig.ts), one kubeconfig as a user might have it. */
function mergeAwkward(base: string): string {
  const b = parse(base) as Record<string, { name: string }[] | string>;
  const w = parse(awkwardKubeconfig({ currentContext: '' })) as Record<string, { name: string }[]>;
  for (const k of ['clusters', 'users', 'contexts']) b[k] = [...((b[k] as { name: string }[]) ?? []), ...w[k]!];
  return toYaml(b);
}

type Kc = { clusters: { name: string; cluster: { server: string } }[]; contexts: { name: string }[] };

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => sb.cleanup());

const contexts = async (env: NodeJS.ProcessEnv) =>
  (await kubectl(['config', 'get-contexts', '-o', 'name'], env)).stdout.trim().split('\n').filter(Boolean).sort();
const current = async (env: NodeJS.ProcessEnv) => (await kubectl(['config', 'current-context'], env)).stdout.trim();

describe('local cluster lifecycle', () => {
  it('creates, lists, describes, switches and deletes, keeping other contexts intact', async () => {
    const kube = path.join(sb.home, '.kube', 'config');
    mkdirSync(path.dirname(kube), { recursive: true });
    // The user's own entries include names YAML 1.1 reads as booleans, nulls and numbers unless quoted.
    writeFileSync(kube, mergeAwkward(OTHER_KUBECONFIG));

    const created = await ksctl(['create', 'cluster', 'dev', '--provider', 'local', '--workers', '2'], sb.env);
    expect(created.stderr).toMatch(/start +Create kind cluster ksctl-dev/);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('Cluster dev is ready');

    // create makes the new context current (like kind and eksctl) and leaves prod alone.
    expect(await contexts(sb.env)).toEqual(['ksctl-local-local-dev', 'prod', ...AWKWARD].sort());
    expect(await current(sb.env)).toBe('ksctl-local-local-dev');
    await expectKubectlLoadsAll(sb.env, 'create');
    expect(readFileSync(kube, 'utf8')).toContain('prod-token-that-must-survive');
    expect(statSync(kube).mode & 0o777).toBe(0o600);

    const list = await ksctl(['get', 'clusters', '-o', 'json'], sb.env);
    expect(list.code).toBe(0);
    const clusters = JSON.parse(list.stdout) as { name: string; provider: string; phase: string; workers: number }[];
    expect(clusters).toEqual([
      expect.objectContaining({
        name: 'dev',
        provider: 'local',
        region: 'local',
        phase: 'ready',
        workers: 2,
        context: 'ksctl-local-local-dev',
      }),
    ]);

    const table = await ksctl(['get', 'clusters'], sb.env);
    expect(table.stdout).toMatch(/^NAME\s+PROVIDER\s+REGION/m);
    expect(table.stdout).toMatch(/^dev\s+local\s+local\s+managed\s+ready/m);

    const described = await ksctl(['get', 'cluster', 'dev'], sb.env);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/Phase:\s+ready/);
    expect(described.stdout).toMatch(/Create kind cluster ksctl-dev\s+done\s+\d+\.\ds/);
    const describedJson = JSON.parse((await ksctl(['get', 'cluster', 'dev', '-o', 'json'], sb.env)).stdout) as {
      steps: { id: string; status: string; durationMs: number }[];
      versions: { kubernetes: string };
    };
    expect(describedJson.steps.map((s) => [s.id, s.status])).toEqual([
      ['kind/cluster', 'done'],
      ['kubeconfig', 'done'],
    ]);
    // No version asked for: kind used its own default node image (no --image), and ksctl says so
    // instead of claiming a version it did not see.
    expect(describedJson.versions).toEqual({ nodeImage: "kind's default node image" });
    const kindDev = JSON.parse(readFileSync(path.join(sb.dir, 'kind', 'ksctl-dev.json'), 'utf8')) as {
      nodes: { image: string }[];
    };
    expect(kindDev.nodes.map((n) => n.image)).toEqual(Array(3).fill(KIND_STANDIN_DEFAULT_IMAGE));
    expect(described.stdout).toMatch(/Kubernetes:\s+kind's default node image/);

    // Flip away with kubectl, then back with ksctl switch.
    expect((await kubectl(['config', 'use-context', 'prod'], sb.env)).code).toBe(0);
    const sw = await ksctl(['switch', 'dev'], sb.env);
    expect(sw.code, sw.stderr).toBe(0);
    expect(sw.stdout).toContain('Switched to context "ksctl-local-local-dev"');
    expect(await current(sb.env)).toBe('ksctl-local-local-dev');
    await expectKubectlLoadsAll(sb.env, 'switch');
    expect((await ksctl(['switch', 'cluster', 'dev', '-o', 'json'], sb.env)).code).toBe(0);

    const del = await ksctl(['delete', 'cluster', 'dev'], sb.env);
    expect(del.code, del.stderr).toBe(0);
    expect(await contexts(sb.env)).toEqual(['prod', ...AWKWARD].sort());
    await expectKubectlLoadsAll(sb.env, 'delete');
    expect(readFileSync(kube, 'utf8')).toContain('prod-token-that-must-survive');
    expect(JSON.parse((await ksctl(['get', 'clusters', '-o', 'json'], sb.env)).stdout)).toEqual([]);
    expect(existsSync(path.join(sb.ksctlHome, 'clusters', 'local', 'local', 'dev'))).toBe(false);
    // kind no longer knows the cluster either.
    expect((await ksctl(['get', 'cluster', 'dev'], sb.env)).code).toBe(2);
  });

  it('follows kubectl rules for a $KUBECONFIG list of two files', async () => {
    const a = path.join(sb.dir, 'a.yaml');
    const b = path.join(sb.dir, 'b.yaml');
    writeFileSync(a, mergeAwkward(OTHER_KUBECONFIG.replace(/current-context: prod\n/, '')));
    writeFileSync(b, OTHER_KUBECONFIG.replace(/prod/g, 'stage'));
    const env = { ...sb.env, KUBECONFIG: `${a}:${b}` };

    expect(
      (await ksctl(['create', 'cluster', 'one', '--provider', 'local', '--no-switch', '--k8s-version', '1.36'], env))
        .code,
    ).toBe(0);
    // A minor: the image kind's release lists for it, digest-pinned; recorded with its version.
    const kindOne = JSON.parse(readFileSync(path.join(sb.dir, 'kind', 'ksctl-one.json'), 'utf8')) as {
      nodes: { image: string }[];
    };
    expect(kindOne.nodes.map((n) => n.image)).toEqual([KIND.images['1.36']]);
    const one = JSON.parse((await ksctl(['get', 'cluster', 'one', '-o', 'json'], env)).stdout) as {
      kubernetesVersion: string;
      versions: Record<string, string>;
    };
    expect(one.versions).toEqual({ requested: '1.36', kubernetes: 'v1.36.4', nodeImage: KIND.images['1.36'] });
    expect(one.kubernetesVersion).toBe('v1.36.4');
    // New entries go to the first file; nobody's current-context moved.
    expect(readFileSync(a, 'utf8')).toContain('ksctl-local-local-one');
    expect(readFileSync(b, 'utf8')).not.toContain('ksctl-local-local-one');
    expect(await current(env)).toBe('stage');
    await expectKubectlLoadsAll(env, 'create --no-switch');

    // current-context is written to the default file (the first that exists: a), as kubectl use-context
    // does (client-go PathOptions.GetDefaultFilename); b keeps its own, which a now shadows.
    expect((await ksctl(['switch', 'one'], env)).code).toBe(0);
    expect(await current(env)).toBe('ksctl-local-local-one');
    expect(readFileSync(a, 'utf8')).toMatch(/current-context: ksctl-local-local-one/);
    expect(readFileSync(b, 'utf8')).toMatch(/current-context: stage/);
    expect(await contexts(env)).toEqual(['ksctl-local-local-one', 'prod', 'stage', ...AWKWARD].sort());
    await expectKubectlLoadsAll(env, 'switch');

    // A changed entry is written back to the file that defines it (b), not duplicated into a.
    const staleB = parse(readFileSync(b, 'utf8')) as Kc;
    staleB.clusters.push({ name: 'ksctl-local-local-two', cluster: { server: 'https://stale.invalid:6443' } });
    writeFileSync(b, stringify(staleB));
    expect((await ksctl(['create', 'cluster', 'two', '--provider', 'local', '--no-switch'], env)).code).toBe(0);
    expect(readFileSync(b, 'utf8')).not.toContain('stale.invalid');
    const fileB = parse(readFileSync(b, 'utf8')) as Kc;
    const fileA = parse(readFileSync(a, 'utf8')) as Kc;
    expect(fileB.clusters.find((c) => c.name === 'ksctl-local-local-two')?.cluster.server).toMatch(
      /^https:\/\/127\.0\.0\.1:\d+$/,
    );
    expect(fileA.clusters.map((c) => c.name)).not.toContain('ksctl-local-local-two');
    expect(fileA.contexts.map((c) => c.name)).toContain('ksctl-local-local-two');
    await expectKubectlLoadsAll(env, 'create over a stale entry');

    // delete removes exactly its own entries wherever they live, and the dangling current-context.
    expect((await ksctl(['delete', 'cluster', 'one'], env)).code).toBe(0);
    expect((await ksctl(['delete', 'cluster', 'two'], env)).code).toBe(0);
    expect(await contexts(env)).toEqual(['prod', 'stage', ...AWKWARD].sort());
    await expectKubectlLoadsAll(env, 'delete');
    expect(readFileSync(a, 'utf8') + readFileSync(b, 'utf8')).not.toContain('ksctl-local-local');
    expect(readFileSync(b, 'utf8')).toContain('stage-token-that-must-survive');
  });

  it('--kubeconfig writes only that file, created if missing', async () => {
    const own = path.join(sb.dir, 'only.yaml');
    expect((await ksctl(['--kubeconfig', own, 'create', 'cluster', 'solo', '--provider', 'local'], sb.env)).code).toBe(
      0,
    );
    expect(existsSync(path.join(sb.home, '.kube', 'config'))).toBe(false);
    expect(await current({ ...sb.env, KUBECONFIG: own })).toBe('ksctl-local-local-solo');
    expect(statSync(own).mode & 0o777).toBe(0o600);
  });

  it('names the missing prerequisite when Docker is down, and writes nothing', async () => {
    const r = await ksctl(['create', 'cluster', 'dev', '--provider', 'local'], { ...sb.env, DOCKER_STANDIN_DOWN: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Docker is not running/);
    expect(r.stderr).toMatch(/Hint: start the Docker daemon/);
    expect(existsSync(path.join(sb.ksctlHome, 'clusters'))).toBe(false);
  });

  it('names kind when it is not installed', async () => {
    const r = await ksctl(['create', 'cluster', 'dev', '--provider', 'local'], { ...sb.env, PATH: '/usr/bin:/bin' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/kind is not installed/);
    expect(r.stderr).toMatch(/kind\.sigs\.k8s\.io/);
  });

  it('resumes after a failed create and refuses a different spec for the same cluster', async () => {
    const failed = await ksctl(['create', 'cluster', 'dev', '--provider', 'local'], {
      ...sb.env,
      KIND_STANDIN_FAIL_CREATE: '1',
    });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/kind create cluster failed/);
    const state = JSON.parse((await ksctl(['get', 'cluster', 'dev', '-o', 'json'], sb.env)).stdout) as {
      phase: string;
      lastError: string;
    };
    expect(state.phase).toBe('failed');

    const other = await ksctl(['create', 'cluster', 'dev', '--provider', 'local', '--workers', '3'], sb.env);
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(/already exists with a different spec \(nodePools, workers\)/);
    expect(other.stderr).toMatch(/ksctl apply -f <file> --dry-run/);

    const again = await ksctl(['create', 'cluster', 'dev', '--provider', 'local'], sb.env);
    expect(again.code, again.stderr).toBe(0);
    const after = JSON.parse((await ksctl(['get', 'cluster', 'dev', '-o', 'json'], sb.env)).stdout) as {
      phase: string;
      steps: { id: string; attempts: number; status: string }[];
    };
    expect(after.phase).toBe('ready');
    expect(after.steps.find((s) => s.id === 'kind/cluster')).toMatchObject({ status: 'done', attempts: 2 });
  });
});
