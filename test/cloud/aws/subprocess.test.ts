/**
 * The fake cloud across processes: a ksctl-like process (test/fakes/aws/harness.ts) preloaded with
 * test/fakes/aws/install.ts is SIGKILLed at a mutating call, and the next process converges.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFakeAws, projectRoot } from '../../fakes/aws/build.js';
import { FakeAws } from '../../fakes/aws/fake-aws.js';
import { awsSpec } from '../../fakes/aws/world.js';
import { MemoryCluster } from '../../fakes/memory-cluster.js';

describe('FakeAws in a subprocess (install.ts preload)', () => {
  let dir: string;
  let paths: { install: string; harness: string };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ksctl-fake-aws-'));
    paths = await buildFakeAws();
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(command: string, cloud: string, spec: string, state: string) {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      KSCTL_FAKE_AWS_STATE: cloud,
      AWS_PROFILE: 'must-not-be-used',
      AWS_ACCESS_KEY_ID: 'AKIAREALLOOKING',
    };
    return spawnSync(process.execPath, ['--import', paths.install, paths.harness, command, spec, state], {
      cwd: projectRoot,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
  }

  it('survives a SIGKILL after RunInstances; the next process converges and destroy empties the cloud', async () => {
    const spec = awsSpec({
      name: 'sub',
      controlPlane: { count: 1, size: 't3.medium' },
      etcd: { count: 0, size: '' },
      workers: { count: 1, size: 't3.large', spot: false },
      credentials: { profile: 'nope' },
    });
    const specPath = join(dir, 'spec.json');
    const cloud = join(dir, 'cloud.json');
    const state = join(dir, 'state.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const fake = new FakeAws({ clock: 'virtual' });
    fake.crashAt(2, 'after', 'ec2:RunInstances');
    fake.save(cloud);

    const first = run('create', cloud, specPath, state);
    expect(first.signal, first.stderr).toBe('SIGKILL');
    const afterCrash = FakeAws.load(cloud);
    expect(afterCrash.calls.filter((c) => c.outcome === 'crash').map((c) => c.op)).toEqual(['RunInstances']);
    expect(afterCrash.counts('aws/us-east-1/sub').instance).toBe(2);

    const second = run('create', cloud, specPath, state);
    expect(second.status, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ ok: true, machines: 3 });
    const converged = FakeAws.load(cloud);
    expect(converged.counts('aws/us-east-1/sub')).toEqual({
      vpc: 1,
      subnet: 3,
      'internet-gateway': 1,
      'route-table': 1,
      'security-group': 3,
      'key-pair': 1,
      instance: 3,
      volume: 3,
    });
    expect(Object.keys(MemoryCluster.load(state).state!.machines)).toHaveLength(3);

    const third = run('destroy', cloud, specPath, state);
    expect(third.status, third.stderr).toBe(0);
    expect(FakeAws.load(cloud).inventory()).toEqual([]);
  }, 60_000);
});
