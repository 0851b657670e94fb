/**
 * Backups and the whole restore, for real, on SSH test hosts through the CLI: a k3s cluster with a
 * 3-member external etcd (real etcd 3.6.14 built from the Go module proxy, installed by ksctl's own
 * install path; TLS everywhere). Keys are written with the real etcdctl, backed up, deleted and etcd's
 * data destroyed on every member; `backup restore` is SIGKILLed midway and run again; the keys are
 * served again by a healthy 3-member cluster with a new cluster token, and the API server (the k3s
 * stand-in, whose datastore is that etcd) answers again. Bad input exits 2 and changes nothing.
 * Real: sshd, etcd/etcdctl/etcdutl, HAProxy, kubectl. Stand-ins: k3s (test/standins/k3s), systemctl.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { startHosts, type TestHostSet } from '../hosts/harness.js';
import { clusterLog, ksctl, kubectl, sandbox, startKsctl, type CliResult, type Sandbox } from '../helpers/cli.js';
import { builtEtcd } from '../helpers/etcd-release.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { startChecksumProxy, type ChecksumProxy } from '../helpers/s3-checksum-proxy.js';
import type { WireDoc } from '../helpers/wire.js';
import { airgapDir, clusterFile, writeKey } from '../helpers/ssh-cluster.js';

let set: TestHostSet;
let sb: Sandbox;
const roles = ['loadbalancer', 'etcd', 'etcd', 'etcd', 'controlplane'] as const;
const clusterDir = () => path.join(sb.ksctlHome, 'clusters/ssh/default/bk');
const secret = (n: string) => path.join(clusterDir(), 'secrets', n);
const backupDir = () => path.join(sb.ksctlHome, 'backups/ssh/default/bk');
const etcdHosts = () => set.hosts.slice(1, 4);
const out = (r: CliResult) => `${r.stdout}\n${r.stderr}\n${logTail()}`;
const logTail = () => clusterLog(clusterDir(), 40);

function etcdctl(...args: string[]) {
  const endpoints = etcdHosts()
    .map((h) => `https://${h.address}:2379`)
    .join(',');
  const tls = [
    '--cacert',
    secret('etcd-ca.crt'),
    '--cert',
    secret('etcd-apiserver-client.crt'),
    '--key',
    secret('etcd-apiserver-client.key'),
  ];
  return spawnSync(
    path.join(builtEtcd().binDir, 'etcdctl'),
    ['--endpoints', endpoints, ...tls, '--command-timeout', '10s', ...args],
    { encoding: 'utf8' },
  );
}
const get = (key: string) => etcdctl('get', key, '--print-value-only').stdout.trim();
const state = () =>
  JSON.parse(readFileSync(path.join(clusterDir(), 'state.json'), 'utf8')) as {
    phase: string;
    steps: { id: string; status: string }[];
    runs: unknown[];
  };

beforeAll(async () => {
  const client = generateSshKeyPair('ksctl-test');
  set = await startHosts(roles.length, { clientKey: { private: client.privateKey, public: client.publicKey } });
  sb = sandbox();
  const file = path.join(sb.dir, 'cluster.yaml');
  writeFileSync(
    file,
    clusterFile({
      name: 'bk',
      distribution: 'k3s',
      roles: [...roles],
      hosts: set.hosts,
      keyFile: writeKey(sb.dir, client.privateKey),
      airgapDir: airgapDir(path.join(sb.dir, 'airgap')),
    }),
  );
  const r = await ksctl(['create', 'cluster', '-f', file], sb.env);
  if (r.code !== 0) throw new Error(`create failed: ${out(r)}`);
}, 180_000);
afterAll(async () => {
  await set?.teardown();
  sb?.cleanup();
});

let backupName = '';

describe('backup and restore, external etcd (3 members), k3s', () => {
  it('refuses bad input with exit 2 before touching anything', async () => {
    const before = JSON.stringify(state());
    const cases: [string[], RegExp][] = [
      [['backup', 'create', 'bk', '--target', 's3://Bad_Bucket/x'], /--target: "Bad_Bucket" is not an S3 bucket name/],
      [['backup', 'create', 'bk', '--target', 'ftp://host/x'], /--target: unknown scheme "ftp:\/\/"/],
      [['backup', 'create', 'bk', '--target', 'relative/dir'], /--target: .* is not a target URL/],
      [['backup', 'create', 'bk', '--keep', '0'], /--keep: 0 must be from 1 to 1000/],
      [['backup', 'create', 'nosuch'], /no cluster named "nosuch"/],
      [['backup', 'restore', 'bk', 'not a name'], /<backup>: "not a name" is not a backup name/],
      [['backup', 'restore', 'bk', 'bk-20260101t000000z'], /no backup bk-20260101t000000z at file:\/\//],
    ];
    for (const [args, msg] of cases) {
      const r = await ksctl(args, sb.env);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    expect(JSON.stringify(state())).toBe(before);
    expect(existsSync(backupDir())).toBe(false);
    expect(existsSync(secret('backup-key'))).toBe(false);
  }, 60_000);

  it('creates an encrypted backup: key made on first use (0600), manifest readable without it, no secret in -o json', async () => {
    for (let i = 0; i < 20; i++) expect(etcdctl('put', `/ksctl-test/k${i}`, `value-${i}`).status).toBe(0);
    const r = await ksctl(['backup', 'create', 'bk', '-o', 'json'], sb.env);
    expect(r.code, out(r)).toBe(0);
    const m = JSON.parse(r.stdout) as {
      name: string;
      cluster: { name: string };
      shape: Record<string, unknown>;
      size: number;
      snapshot: { revision: number; totalKeys: number };
      keyFingerprint: string;
    };
    backupName = m.name;
    expect(m.name).toMatch(/^bk-\d{8}t\d{6}z$/);
    expect(m.shape).toEqual({ distribution: 'k3s', etcd: 'external', members: 3, kubernetes: '1.37' });
    expect(m.snapshot.totalKeys).toBeGreaterThanOrEqual(20);
    const key = readFileSync(secret('backup-key'), 'utf8').trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(secret('backup-key')).mode & 0o777).toBe(0o600);
    for (const text of [
      r.stdout,
      r.stderr,
      readFileSync(path.join(clusterDir(), 'ksctl.log'), 'utf8'),
      readFileSync(path.join(backupDir(), `${m.name}.json`), 'utf8'),
    ]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(readFileSync(secret('k3s-token'), 'utf8').trim());
    }
    expect(statSync(backupDir()).mode & 0o777).toBe(0o700);
    const bundle = readFileSync(path.join(backupDir(), `${m.name}.ksb`));
    expect(statSync(path.join(backupDir(), `${m.name}.ksb`)).mode & 0o777).toBe(0o600);
    expect(bundle.length).toBe(m.size);
    expect(bundle.includes(Buffer.from('/ksctl-test/k1'))).toBe(false); // encrypted: the keys' names are not in it
    expect(bundle.includes(Buffer.from('BEGIN CERTIFICATE'))).toBe(false);
    // Nothing left behind: no staged snapshot here, no snapshot file on the members.
    expect(readdirSync(path.join(clusterDir(), 'backup-staging'))).toEqual([]);
    for (const h of etcdHosts()) expect((await h.exec('ls /var/lib/ksctl/etcd-snapshots')).stdout.trim()).toBe('');
    const list = await ksctl(['backup', 'list', 'bk', '-o', 'json'], sb.env);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { backups: { name: string }[] }).backups.map((b) => b.name)).toEqual([m.name]);
  }, 120_000);

  it('refuses a backup of another cluster, of another shape, or without the key: exit 2, nothing changed', async () => {
    const foreign = path.join(sb.dir, 'foreign');
    mkdirSync(foreign);
    const edit = (dir: string, change: (m: Record<string, WireDoc>) => void) => {
      mkdirSync(dir, { recursive: true });
      copyFileSync(path.join(backupDir(), `${backupName}.ksb`), path.join(dir, `${backupName}.ksb`));
      const m = JSON.parse(readFileSync(path.join(backupDir(), `${backupName}.json`), 'utf8')) as Record<
        string,
        WireDoc
      >;
      change(m);
      writeFileSync(path.join(dir, `${backupName}.json`), JSON.stringify(m));
    };
    edit(path.join(foreign, 'other'), (m) => (m.cluster.name = 'prod'));
    edit(path.join(foreign, 'shape'), (m) => (m.shape.members = 5));
    const before = JSON.stringify(state());
    let r = await ksctl(['backup', 'restore', 'bk', backupName, '--target', `file://${foreign}/other`], sb.env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('belongs to cluster prod (ssh/default), not bk (ssh/default)');
    r = await ksctl(['backup', 'restore', 'bk', backupName, '--target', `file://${foreign}/shape`], sb.env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/is of another shape .*members differ/);
    renameSync(secret('backup-key'), path.join(sb.dir, 'backup-key.saved'));
    r = await ksctl(['backup', 'restore', 'bk', backupName], sb.env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('has no backup key');
    renameSync(path.join(sb.dir, 'backup-key.saved'), secret('backup-key'));
    expect(JSON.stringify(state())).toBe(before);
    expect(get('/ksctl-test/k3')).toBe('value-3'); // etcd untouched
  }, 60_000);

  it('restores after the data is deleted and destroyed on every member; SIGKILL midway, the same command again converges', async () => {
    const before = etcdctl('endpoint', 'status', '-w', 'json');
    const oldRevision = (JSON.parse(before.stdout) as { Status: { header: { revision: number } } }[])[0]!.Status.header
      .revision;
    expect(etcdctl('del', '--prefix', '/ksctl-test/').status).toBe(0);
    expect(etcdctl('put', '/ksctl-test/after-backup', 'x').status).toBe(0);
    // Disaster: every member's data gone.
    for (const h of etcdHosts())
      expect((await h.exec('systemctl stop ksctl-etcd && rm -rf /var/lib/ksctl-etcd')).code).toBe(0);

    const first = startKsctl(['backup', 'restore', 'bk', backupName], sb.env);
    // Kill it once the first member is restored (the others may or may not be).
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (state().steps.some((s) => /^restore\/[^/]+\/member\//.test(s.id) && s.status === 'done')) break;
      if (first.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal, out(killed)).toBe('SIGKILL');
    expect(
      state().steps.some((s) => s.id.startsWith('restore/') && s.id.endsWith('/cleanup') && s.status === 'done'),
    ).toBe(false);

    const again = await ksctl(['backup', 'restore', 'bk', backupName], sb.env);
    expect(again.code, out(again)).toBe(0);
    expect(state().phase).toBe('ready');

    for (let i = 0; i < 20; i++) expect(get(`/ksctl-test/k${i}`)).toBe(`value-${i}`);
    expect(get('/ksctl-test/after-backup')).toBe('');
    const members = JSON.parse(etcdctl('member', 'list', '-w', 'json').stdout) as { members: unknown[] };
    expect(members.members).toHaveLength(3);
    const status = JSON.parse(etcdctl('endpoint', 'status', '-w', 'json').stdout) as {
      Status: { header: { revision: number } };
    }[];
    for (const s of status) expect(s.Status.header.revision).toBeGreaterThan(oldRevision + 1_000_000_000 - 1);
    // A new cluster token: the restored cluster is a new cluster (new cluster id) of the same members.
    const health = etcdctl('endpoint', 'health');
    expect(`${health.stdout}${health.stderr}`.match(/is healthy/g)).toHaveLength(3);
    // The old data directories and snapshot copies are gone.
    for (const h of etcdHosts())
      expect(
        (await h.exec('ls -d /var/lib/ksctl-etcd.* /var/lib/ksctl/etcd-snapshots/* 2>/dev/null | wc -l')).stdout.trim(),
      ).toBe('0');
    // The API server is back, through the load balancer.
    await ksctl(['switch', 'bk'], sb.env);
    const nodes = await kubectl(['get', 'nodes', '-o', 'name', '--request-timeout', '20s'], sb.env);
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout).toContain('node/cp-0');
  }, 240_000);

  it('to S3 (moto) through the CLI; SIGKILL during create, the same command again finishes that same backup', async () => {
    let moto: Moto | undefined;
    let proxy: ChecksumProxy | undefined;
    try {
      moto = await startMoto('us-east-1');
      // ksctl talks to moto through the proxy, which holds the manifest's upload: the kill lands there.
      proxy = await startChecksumProxy(moto.endpoint);
      const env = {
        ...sb.env,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL_S3: proxy.endpoint,
      };
      const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
      await new S3Client({
        endpoint: moto.endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      }).send(new CreateBucketCommand({ Bucket: 'bk-backups' }));
      const target = ['--target', 's3://bk-backups/clusters'];
      const snapshots = () =>
        state().steps.filter((s) => /^backup\/[^/]+\/snapshot$/.test(s.id) && s.status === 'done');
      const earlier = snapshots().length;
      const manifestPut = proxy.holdNext((r) => r.op === 'PutObject' && r.path.endsWith('.json'));
      const first = startKsctl(['backup', 'create', 'bk', ...target], env);
      // Killed once this run's snapshot step is done (the bundle streamed into the target), while its
      // manifest is on the way (held at the proxy, never stored).
      await Promise.race([manifestPut.arrived, first.done, new Promise((r) => setTimeout(r, 60_000))]);
      first.child.kill('SIGKILL');
      const killed = await first.done;
      manifestPut.drop();
      expect(killed.signal, out(killed)).toBe('SIGKILL');
      expect(snapshots()).toHaveLength(earlier + 1);
      const pending = snapshots().pop()!.id.split('/')[1];
      const again = await ksctl(['backup', 'create', 'bk', ...target, '-o', 'json'], env);
      expect(again.code, out(again)).toBe(0);
      expect((JSON.parse(again.stdout) as { name: string }).name).toBe(pending);
      const list = await ksctl(['backup', 'list', 'bk', ...target, '-o', 'json'], env);
      expect(list.code, list.stderr).toBe(0);
      const l = JSON.parse(list.stdout) as { target: string; backups: { name: string }[] };
      expect(l.target).toBe('s3://bk-backups/clusters');
      expect(l.backups.map((b) => b.name)).toEqual([pending]);
      // The listing needs no key: it works with the key moved away.
      renameSync(secret('backup-key'), path.join(sb.dir, 'backup-key.saved'));
      expect((await ksctl(['backup', 'list', 'bk', ...target], env)).stdout).toContain(pending);
      renameSync(path.join(sb.dir, 'backup-key.saved'), secret('backup-key'));
      expect((await ksctl(['backup', 'delete', 'bk', pending!, ...target], env)).code).toBe(0);
      expect(state().phase).toBe('ready');
    } finally {
      await proxy?.stop();
      await moto?.stop();
    }
  }, 120_000);

  it('keeps the newest N with --keep, and deletes one by name', async () => {
    const a = await ksctl(['backup', 'create', 'bk', '-o', 'json'], sb.env);
    expect(a.code, out(a)).toBe(0);
    await new Promise((r) => setTimeout(r, 1100)); // names are per second
    const b = await ksctl(['backup', 'create', 'bk', '--keep', '1', '-o', 'json'], sb.env);
    expect(b.code, out(b)).toBe(0);
    const names = () =>
      readdirSync(backupDir())
        .filter((n) => n.endsWith('.json'))
        .map((n) => n.replace(/\.json$/, ''));
    const newest = (JSON.parse(b.stdout) as { name: string }).name;
    expect(names()).toEqual([newest]);
    const del = await ksctl(['backup', 'delete', 'bk', newest], sb.env);
    expect(del.code, del.stderr).toBe(0);
    expect(readdirSync(backupDir())).toEqual([]);
  }, 120_000);
});
