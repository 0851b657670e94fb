/**
 * A backup restored onto a FRESH cluster of the same shape (`create cluster --restore`), for real, on SSH
 * test hosts through the CLI: cluster "src" (k3s, 3-member external etcd, 1 control plane) gets objects
 * and a backup; then, from another machine's ksctl (its own KSCTL_HOME: the old laptop is gone) with only
 * the backup target and a copy of src's backup key, cluster "fresh" is made on five other hosts. The
 * create is SIGKILLed once the restore has written etcd and the same command finishes it. fresh serves
 * src's objects (not those written after the backup), its only node is its own machine, and src's old
 * kubeconfig (CA and client certificate) works against fresh's API server: the bundle's CAs and token
 * were installed before fresh's control plane booted. Bad input (unknown backup, missing or wrong key,
 * another shape) exits 2 with nothing written and no host touched.
 * Real: sshd, etcd/etcdctl/etcdutl 3.6, HAProxy, kubectl, and behind the k3s launcher the Kubernetes
 * control plane and kubelet. Stand-ins: k3s (test/standins/k3s), systemctl.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { startHosts, type TestHost, type TestHostSet } from '../hosts/harness.js';
import { clusterLog, ksctl, kubectl, sandbox, startKsctl, type CliResult, type Sandbox } from '../helpers/cli.js';
import { nodeIdentities, readWithMovedKubeconfig } from '../helpers/restore-e2e.js';
import { airgapDir, clusterFile, writeKey } from '../helpers/ssh-cluster.js';

const roles = ['loadbalancer', 'etcd', 'etcd', 'etcd', 'controlplane'] as const;
let set: TestHostSet;
let client: ReturnType<typeof generateSshKeyPair>;
let old: Sandbox; // the machine that made src (and its backups)
let sb: Sandbox; // another machine: only the backup target and a copy of the key
let airgap: string;
const srcHosts = () => set.hosts.slice(0, 5);
const freshHosts = () => set.hosts.slice(5, 10);
const stateDir = (s: Sandbox, name: string) => path.join(s.ksctlHome, 'clusters/ssh/default', name);
const backupDir = () => path.join(old.ksctlHome, 'backups/ssh/default/src');
const logTail = (s: Sandbox, name: string) => clusterLog(stateDir(s, name), 40);
const out = (r: CliResult, s: Sandbox, name: string) => `${r.stdout}\n${r.stderr}\n${logTail(s, name)}`;
interface State {
  phase: string;
  steps: { id: string; status: string }[];
  machines: Record<string, unknown>;
  restoredFrom?: { bundle: string; tag: string; cluster: { name: string } };
}
const state = (s: Sandbox, name: string) =>
  JSON.parse(readFileSync(path.join(stateDir(s, name), 'state.json'), 'utf8')) as State;

function writeClusterFile(
  s: Sandbox,
  name: string,
  hosts: TestHost[],
  file = `${name}.yaml`,
  r: readonly string[] = roles,
) {
  const p = path.join(s.dir, file);
  writeFileSync(
    p,
    clusterFile({
      name,
      distribution: 'k3s',
      roles: [...r] as (typeof roles)[number][],
      hosts,
      keyFile: writeKey(s.dir, client.privateKey),
      airgapDir: airgap,
    }),
  );
  return p;
}

beforeAll(async () => {
  client = generateSshKeyPair('ksctl-test');
  set = await startHosts(roles.length * 2, { clientKey: { private: client.privateKey, public: client.publicKey } });
  old = sandbox();
  sb = sandbox();
  airgap = airgapDir(path.join(old.dir, 'airgap'));
  const r = await ksctl(['create', 'cluster', '-f', writeClusterFile(old, 'src', srcHosts())], old.env);
  if (r.code !== 0) throw new Error(`create src failed: ${out(r, old, 'src')}`);
}, 240_000);
afterAll(async () => {
  await set?.teardown();
  old?.cleanup();
  sb?.cleanup();
});

let backup = '';
let keyCopy = '';
let oldKubeconfig = '';
const k = (s: Sandbox, args: string[]) => kubectl([...args, '--request-timeout', '30s'], s.env);

describe('restore onto a fresh cluster of the same shape (k3s, external etcd)', () => {
  it('backs up src after writing objects; objects written after the backup stay on src only', async () => {
    for (const n of ['keep-1', 'keep-2']) {
      const c = await k(old, ['create', 'configmap', n, `--from-literal=value=${n}-data`]);
      expect(c.code, c.stderr).toBe(0);
    }
    const r = await ksctl(['backup', 'create', 'src', '-o', 'json'], old.env);
    expect(r.code, out(r, old, 'src')).toBe(0);
    backup = (JSON.parse(r.stdout) as { name: string }).name;
    expect((await k(old, ['create', 'configmap', 'after-backup', '--from-literal=value=x'])).code).toBe(0);
    // What the user kept: a copy of the key (docs/backups.md), and src's kubeconfig.
    keyCopy = path.join(sb.dir, 'src-backup-key');
    copyFileSync(path.join(stateDir(old, 'src'), 'secrets', 'backup-key'), keyCopy);
    const kc = await kubectl(['config', 'view', '--raw', '--minify', '--flatten'], old.env);
    expect(kc.code, kc.stderr).toBe(0);
    oldKubeconfig = kc.stdout;
  }, 120_000);

  it('refuses an unknown backup, a missing or wrong key and another shape: exit 2, nothing written, no host touched', async () => {
    const file = writeClusterFile(sb, 'fresh', freshHosts());
    const wrongKey = path.join(sb.dir, 'wrong-key');
    writeFileSync(wrongKey, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    const notKey = path.join(sb.dir, 'not-a-key');
    writeFileSync(notKey, 'hunter2\n', { mode: 0o600 });
    // Five etcd members where src has three (two addresses that are never reached: refused before).
    const fakes = [0, 1].map((i) => ({ ...freshHosts()[1]!, address: `10.254.254.${10 + i}` }));
    const five = writeClusterFile(
      sb,
      'fresh',
      [freshHosts()[0]!, ...freshHosts().slice(1, 4), ...fakes, freshHosts()[4]!],
      'five.yaml',
      ['loadbalancer', 'etcd', 'etcd', 'etcd', 'etcd', 'etcd', 'controlplane'],
    );
    const target = `file://${backupDir()}`;
    const base = ['create', 'cluster', '-f', file, '--backup-target', target];
    const cases: [string[], RegExp][] = [
      [
        [...base, '--restore', 'src-20260101t000000z', '--backup-key-file', keyCopy],
        /--restore: no backup src-20260101t000000z at file:\/\//,
      ],
      [[...base, '--restore', backup], /--backup-key-file is required: the state of src \(ssh\/default\)/],
      [
        [...base, '--restore', backup, '--backup-key-file', wrongKey],
        /--backup-key-file: .* was encrypted with another key \(fingerprint [0-9a-f]{16}\)/,
      ],
      [[...base, '--restore', backup, '--backup-key-file', notKey], /--backup-key-file: .* does not hold a backup key/],
      [
        ['create', 'cluster', '-f', five, '--backup-target', target, '--restore', backup, '--backup-key-file', keyCopy],
        /--restore: backup .* is of another shape .*: members differ/,
      ],
      [['create', 'cluster', '-f', file, '--restore', backup], /--backup-target is required with --restore/],
      [['create', 'cluster', '-f', file, '--backup-key-file', keyCopy], /--backup-key-file goes with --restore/],
    ];
    for (const [args, msg] of cases) {
      const r = await ksctl(args, sb.env);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout + r.stderr).not.toContain(readFileSync(keyCopy, 'utf8').trim());
    }
    // --dry-run reads, checks and decrypts the backup too, and says so; it writes nothing either.
    const dry = await ksctl([...base, '--restore', backup, '--backup-key-file', keyCopy, '--dry-run'], sb.env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`From backup ${backup} of src (checked and decrypted)`);
    // The plan it prints restores etcd after the members are up and before the control plane boots.
    const wave = (title: RegExp) => Number(new RegExp(`\\[(\\d+)\\] ${title.source}`).exec(dry.stdout)?.[1]);
    const [health, restore, forget, cp0] = [
      /etcd cluster healthy \(3 members over TLS\)/,
      /etcdutl snapshot restore on etcd-0/,
      /Forget the source cluster's nodes \(src\)/,
      /Control plane cp-0 \(init\)/,
    ].map(wave);
    expect([health, restore, forget, cp0].every(Number.isFinite), dry.stdout).toBe(true);
    expect(health).toBeLessThan(restore!);
    expect(restore).toBeLessThan(forget!);
    expect(forget).toBeLessThan(cp0!);
    expect(existsSync(path.join(stateDir(sb, 'fresh'), 'state.json'))).toBe(false);
    for (const h of freshHosts()) {
      const left = await h.exec('ls /var/lib/ksctl /usr/local/bin/k3s /etc/etcd 2>/dev/null; true');
      expect(left.stdout.trim(), h.name).toBe('');
    }
  }, 60_000);

  it('creates fresh from the backup (SIGKILL after etcd is restored; the same command again finishes)', async () => {
    const started = Date.now();
    const args = [
      'create',
      'cluster',
      '-f',
      path.join(sb.dir, 'fresh.yaml'),
      '--restore',
      backup,
      '--backup-target',
      `file://${backupDir()}`,
      '--backup-key-file',
      keyCopy,
    ];
    const first = startKsctl(args, sb.env);
    const restored = () =>
      existsSync(path.join(stateDir(sb, 'fresh'), 'state.json')) &&
      state(sb, 'fresh').steps.some((s) => /^restore\/[^/]+\/member\/etcd-0$/.test(s.id) && s.status === 'done');
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline && first.child.exitCode === null && !restored())
      await new Promise((r) => setTimeout(r, 25));
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal, out(killed, sb, 'fresh')).toBe('SIGKILL');
    const tag = state(sb, 'fresh').restoredFrom?.tag;
    expect(tag).toMatch(/^[0-9a-z]+$/);
    expect(state(sb, 'fresh').steps.some((s) => s.id === 'controlplane/cp-0' && s.status === 'done')).toBe(false);

    // No backup of the half-restored etcd is taken (a create killed midway is still "creating").
    const early = await ksctl(['backup', 'create', 'fresh'], sb.env);
    expect(early.code, early.stderr).toBe(3);
    expect(early.stderr).toMatch(/cluster fresh \(ssh\/default\) is creating; finish that first/);
    // Resumed without --restore, the control plane would boot onto an unfinished restore: refused. The kill
    // lands at least one etcd start and health check after member/etcd-0; should the run have got as far as
    // forgetting the source's nodes (the restore's data then complete), a plain create may go on.
    if (!state(sb, 'fresh').steps.some((s) => s.id === `restore/${tag}/forget-nodes` && s.status === 'done')) {
      const bare = await ksctl(['create', 'cluster', '-f', path.join(sb.dir, 'fresh.yaml')], sb.env);
      expect(bare.code, bare.stderr).toBe(2);
      expect(bare.stderr).toMatch(new RegExp(`run the same create with --restore ${backup}`));
    } else console.log('fresh-restore: killed after the nodes were forgotten; the refusal is not exercised');

    const r = await ksctl(args, sb.env);
    expect(r.code, out(r, sb, 'fresh')).toBe(0);
    expect(r.stdout).toContain(`Restored from ${backup} of src`);
    console.log(
      `fresh-restore create (first run killed, then the re-run): ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const st = state(sb, 'fresh');
    expect(st.phase).toBe('ready');
    // The same restore continued: one tag, each member restored once, five machines (no duplicates).
    expect(st.restoredFrom).toMatchObject({ bundle: backup, tag, cluster: { name: 'src' } });
    expect(st.steps.filter((s) => s.id.startsWith('restore/')).every((s) => s.id.startsWith(`restore/${tag}/`))).toBe(
      true,
    );
    for (const m of ['etcd-0', 'etcd-1', 'etcd-2'])
      expect(st.steps.filter((s) => s.id === `restore/${tag}/member/${m}` && s.status === 'done')).toHaveLength(1);
    expect(Object.keys(st.machines).sort()).toEqual(['cp-0', 'etcd-0', 'etcd-1', 'etcd-2', 'lb-0']);
    // fresh adopted src's backup key (the one copy the user keeps reads both clusters' backups).
    expect(readFileSync(path.join(stateDir(sb, 'fresh'), 'secrets', 'backup-key'), 'utf8').trim()).toBe(
      readFileSync(keyCopy, 'utf8').trim(),
    );
  }, 420_000);

  it("serves src's objects as of the backup; its only node is its own machine", async () => {
    for (const n of ['keep-1', 'keep-2']) {
      const g = await k(sb, ['get', 'configmap', n, '-o', 'jsonpath={.data.value}']);
      expect(g.stdout, `${n}: ${g.stderr}`).toBe(`${n}-data`);
    }
    const gone = await k(sb, ['get', 'configmap', 'after-backup']);
    expect(gone.stderr).toMatch(/NotFound/);
    const server = await kubectl(
      ['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'],
      sb.env,
    );
    expect(server.stdout).toBe(`https://${freshHosts()[0]!.address}:6443`);
    const ready = await k(sb, ['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=120s']);
    expect(ready.code, ready.stderr).toBe(0);
    expect(await nodeIdentities(sb.env)).toEqual([`cp-0 ksctl://fresh/cp-0 ${freshHosts()[4]!.address}`]);
  }, 180_000);

  it("src's old kubeconfig (its CA and client certificate) works against fresh's API server", async () => {
    const g = await readWithMovedKubeconfig(
      sb,
      oldKubeconfig,
      { from: srcHosts()[0]!.address, to: freshHosts()[0]!.address },
      { name: 'keep-1' },
    );
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toBe('keep-1-data');
  }, 60_000);

  it('get cluster shows where fresh came from; its own backup is sealed with the same key', async () => {
    const g = await ksctl(['get', 'cluster', 'fresh'], sb.env);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toMatch(new RegExp(`Restored from: ${backup} of src \\(ssh/default\\)`));
    const j = JSON.parse((await ksctl(['get', 'cluster', 'fresh', '-o', 'json'], sb.env)).stdout) as {
      restoredFrom: { bundle: string; cluster: { name: string } };
    };
    expect(j.restoredFrom).toMatchObject({ bundle: backup, cluster: { name: 'src' } });
    const b = await ksctl(['backup', 'create', 'fresh', '-o', 'json'], sb.env);
    expect(b.code, out(b, sb, 'fresh')).toBe(0);
    const mine = JSON.parse(b.stdout) as { keyFingerprint: string; cluster: { name: string } };
    const theirs = JSON.parse(readFileSync(path.join(backupDir(), `${backup}.json`), 'utf8')) as {
      keyFingerprint: string;
    };
    expect(mine.cluster.name).toBe('fresh');
    expect(mine.keyFingerprint).toBe(theirs.keyFingerprint);
  }, 120_000);
});
