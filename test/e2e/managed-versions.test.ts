/**
 * Managed clusters take their Kubernetes version from the cloud's live list, through the real CLI with
 * each fake cloud preloaded (test/fakes/<cloud>/install.ts): no version → the cloud's default, used
 * and recorded in state; a version the cloud does not offer → exit 2 in preflight naming what it
 * offers, before any mutating call and with no state written; `--dry-run` without credentials says
 * the default is resolved at create.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPreload, type FakeCloud } from '../fakes/build.js';
import { FakeAws } from '../fakes/aws/fake-aws.js';
import { FakeAzure } from '../fakes/azure/fake-azure.js';
import { FakeGcp } from '../fakes/gcp/fake-gcp.js';
import { BIN, ROOT, ksctl as plainKsctl, sandbox, type CliResult, type Sandbox } from '../helpers/cli.js';

interface Case {
  cloud: FakeCloud;
  region: string;
  stateEnv: string;
  flags: string[];
  newFake(file: string): void;
  inventory(file: string): unknown[];
  /** What the fake's list offers as the default, as recorded by ksctl. */
  recordedDefault: string;
  /** The version sent to the cloud's create call, read from the fake's resources. */
  created(file: string): string | undefined;
  offered: RegExp;
}

const CASES: Case[] = [
  {
    cloud: 'aws',
    region: 'us-west-2',
    stateEnv: 'KSCTL_FAKE_AWS_STATE',
    flags: [],
    newFake: (f) => new FakeAws().save(f),
    inventory: (f) => FakeAws.load(f).inventory(),
    recordedDefault: '1.36',
    created: (f) => Object.values(FakeAws.load(f).data.eksClusters)[0]?.version,
    offered: /available: 1\.37, 1\.36, 1\.35, 1\.34, 1\.33, 1\.32/,
  },
  {
    cloud: 'azure',
    region: 'eastus',
    stateEnv: 'KSCTL_FAKE_AZURE_STATE',
    flags: [],
    newFake: (f) => new FakeAzure().save(f),
    inventory: (f) => FakeAzure.load(f).inventory(),
    recordedDefault: '1.36',
    created: (f) => {
      const aks = [...FakeAzure.load(f).model.resources.values()].find(
        (r) => r.type === 'Microsoft.ContainerService/managedClusters',
      );
      return aks?.properties['kubernetesVersion'] as string | undefined;
    },
    offered: /available: 1\.37, 1\.36, 1\.35/,
  },
  {
    cloud: 'gcp',
    region: 'europe-west1',
    stateEnv: 'KSCTL_FAKE_GCP_STATE',
    flags: ['--project', 'ksctl-fake-project'],
    newFake: (f) => new FakeGcp({ clock: 'virtual' }).save(f),
    inventory: (f) => FakeGcp.load(f).inventory(),
    recordedDefault: '1.36.6-gke.1345000',
    created: (f) => [...FakeGcp.load(f).data.clusters.values()][0]?.res.initialClusterVersion ?? undefined,
    offered: /available: 1\.37, 1\.36, 1\.35, 1\.34/,
  },
];

describe.each(CASES)('$cloud managed: the version comes from the cloud', (c) => {
  let install: string;
  let sb: Sandbox;
  let cloud: string;
  beforeAll(async () => {
    install = await buildPreload(c.cloud);
    sb = sandbox({ GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/key.json' });
    cloud = path.join(sb.dir, 'cloud.json');
    c.newFake(cloud);
    sb.env[c.stateEnv] = cloud;
  }, 120_000);
  afterAll(() => sb?.cleanup());

  const run = (args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', install, BIN, ...args], {
        cwd: ROOT,
        env: sb.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
  const base = (name: string) => [
    'create',
    'cluster',
    name,
    '--provider',
    c.cloud,
    '--type',
    'managed',
    '--region',
    c.region,
    '--workers',
    '1',
    '--allow-cidr',
    '198.51.100.77/32',
    ...c.flags,
  ];
  const stateFile = (name: string) => path.join(sb.ksctlHome, 'clusters', c.cloud, c.region, name, 'state.json');

  it('a version the cloud does not offer: exit 2 in preflight, naming what it offers; nothing created, no state', async () => {
    const r = await run([...base('old'), '--k8s-version', '1.31']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/spec\.kubernetesVersion/);
    expect(r.stderr).toMatch(/does not offer Kubernetes 1\.31/);
    expect(r.stderr).toMatch(c.offered);
    expect(c.inventory(cloud)).toEqual([]);
    if (c.cloud === 'aws') expect(FakeAws.load(cloud).mutatingCalls()).toEqual([]);
    expect(existsSync(stateFile('old'))).toBe(false);
  }, 120_000);

  it("--dry-run without a version says the cloud's default is resolved at create", async () => {
    const r = await plainKsctl([...base('plan'), '--dry-run'], { ...sb.env, [c.stateEnv]: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Kubernetes: the cloud's default (resolved at create)");
  });

  it("no version: the cloud's default is used, recorded in state and shown by get", async () => {
    const r = await run(base('dflt'));
    expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);
    const state = JSON.parse(readFileSync(stateFile('dflt'), 'utf8')) as {
      spec: { kubernetesVersion?: string };
      versions: Record<string, string>;
    };
    expect(state.spec.kubernetesVersion).toBeUndefined(); // the spec stays as written: a re-run resolves nothing new
    expect(state.versions.kubernetes).toBe(c.recordedDefault);
    expect(c.created(cloud)).toBe(c.recordedDefault);
    const get = await run(['get', 'cluster', 'dflt', '--provider', c.cloud, '--region', c.region, '-o', 'json']);
    expect(get.code, get.stderr).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({
      kubernetesVersion: c.recordedDefault,
      versions: { kubernetes: c.recordedDefault },
    });
    const text = await run(['get', 'cluster', 'dflt', '--provider', c.cloud, '--region', c.region]);
    expect(text.stdout).toContain(`Kubernetes:   ${c.recordedDefault} (the cloud's default)`);
  }, 300_000);
});
