/**
 * `ksctl certs check|renew` on real SSH test hosts: k3s with an external 3-member etcd 3.6 (real
 * etcd, TLS, HAProxy; k3s is the stand-in whose datastore client really dials etcd with the
 * certificate). "A year later" is certificates issued with a validity of minutes
 * (KSCTL_CERT_VALIDITY_DAYS), not a clock moved forward.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { inspectCertificate, sha256Hex } from '../../src/distro/pki/inspect.js';
import type { CertReport } from '../../src/managers/certs/status.js';
import { startHosts, type TestHostSet } from '../hosts/harness.js';
import { clusterLog, ksctl, kubectl, sandbox, startKsctl, type Sandbox } from '../helpers/cli.js';
import { builtEtcd } from '../helpers/etcd-release.js';
import { airgapDir, clusterFile, writeKey } from '../helpers/ssh-cluster.js';

let set: TestHostSet;
let sb: Sandbox;
let file: string;
const roles = ['loadbalancer', 'etcd', 'etcd', 'etcd', 'controlplane', 'controlplane'] as const;
const DAY = 86_400_000;

beforeAll(async () => {
  const client = generateSshKeyPair('ksctl-test');
  set = await startHosts(roles.length, { clientKey: { private: client.privateKey, public: client.publicKey } });
  sb = sandbox();
  file = path.join(sb.dir, 'cluster.yaml');
  writeFileSync(
    file,
    clusterFile({
      name: 'tls',
      distribution: 'k3s',
      roles: [...roles],
      hosts: set.hosts,
      keyFile: writeKey(sb.dir, client.privateKey),
      airgapDir: airgapDir(path.join(sb.dir, 'airgap')),
    }),
  );
}, 120_000);
afterAll(async () => {
  await set?.teardown();
  sb?.cleanup();
});

const etcdHosts = () => set.hosts.slice(1, 4);
const cpHosts = () => set.hosts.slice(4, 6);
const secretPath = (name: string) => path.join(sb.ksctlHome, 'clusters/ssh/default/tls/secrets', name);
const secret = (name: string) => readFileSync(secretPath(name), 'utf8');
const logTail = () => clusterLog(path.join(sb.ksctlHome, 'clusters/ssh/default/tls'));
/** Upstream etcdctl, through the client certificate now in state. */
const etcdctl = (args: string[]) =>
  spawnSync(
    path.join(builtEtcd().binDir, 'etcdctl'),
    [
      '--endpoints',
      etcdHosts()
        .map((h) => `https://${h.address}:2379`)
        .join(','),
      '--cacert',
      secretPath('etcd-ca.crt'),
      '--cert',
      secretPath('etcd-apiserver-client.crt'),
      '--key',
      secretPath('etcd-apiserver-client.key'),
      '--command-timeout',
      '10s',
      ...args,
    ],
    { encoding: 'utf8' },
  );
const check = async () => {
  const r = await ksctl(['certs', 'check', 'tls', '-o', 'json'], sb.env);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).not.toMatch(/PRIVATE KEY|BEGIN/);
  return JSON.parse(r.stdout) as { certificates: CertReport[] };
};
/** The files each machine holds must be exactly what state says it should. */
const expectMachinesMatchState = async () => {
  for (const [i, h] of etcdHosts().entries()) {
    const sums = (await h.exec('sha256sum /etc/etcd/pki/server.crt /etc/etcd/pki/peer.crt')).stdout;
    expect(sums).toContain(sha256Hex(secret(`etcd-etcd-${i}-server.crt`)));
    expect(sums).toContain(sha256Hex(secret(`etcd-etcd-${i}-peer.crt`)));
  }
  for (const h of cpHosts())
    expect((await h.exec('sha256sum /etc/k3s/etcd/client.crt')).stdout).toContain(
      sha256Hex(secret('etcd-apiserver-client.crt')),
    );
};
const expectEtcdHealthy = () => {
  const health = etcdctl(['endpoint', 'health']);
  expect(health.status, health.stderr).toBe(0);
  expect(`${health.stdout}${health.stderr}`.match(/is healthy/g)).toHaveLength(3);
  const members = JSON.parse(
    execFileSync(
      path.join(builtEtcd().binDir, 'etcdctl'),
      [
        '--endpoints',
        `https://${etcdHosts()[0]!.address}:2379`,
        '--cacert',
        secretPath('etcd-ca.crt'),
        '--cert',
        secretPath('etcd-apiserver-client.crt'),
        '--key',
        secretPath('etcd-apiserver-client.key'),
        'member',
        'list',
        '-w',
        'json',
      ],
      { encoding: 'utf8' },
    ),
  ) as { members: { name: string }[] };
  expect(members.members.map((m) => m.name).sort()).toEqual(['etcd-0', 'etcd-1', 'etcd-2']);
};

describe('certs check and renew, k3s with external etcd', () => {
  let caBefore: string;

  it('creates the cluster (leaf certificates valid KSCTL_CERT_VALIDITY_DAYS); check lists every certificate ksctl issued, all ok, no key', async () => {
    // create honours the validity as renew does: the leaves get 200 days, the CA its own ten years.
    const r = await ksctl(['create', 'cluster', '-f', file], { ...sb.env, KSCTL_CERT_VALIDITY_DAYS: '200' });
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail()}`).toBe(0);
    const { certificates } = await check();
    expect(certificates.map((c) => c.id)).toEqual([
      'etcd-ca',
      'etcd-server/etcd-0',
      'etcd-peer/etcd-0',
      'etcd-server/etcd-1',
      'etcd-peer/etcd-1',
      'etcd-server/etcd-2',
      'etcd-peer/etcd-2',
      'etcd-apiserver-client',
    ]);
    expect(certificates.every((c) => c.status === 'ok')).toBe(true);
    for (const c of certificates) {
      if (c.id === 'etcd-ca') expect(c.daysLeft, c.id).toBeGreaterThanOrEqual(3649);
      else expect([199, 200], c.id).toContain(c.daysLeft);
    }
    expect(certificates.find((c) => c.id === 'etcd-server/etcd-1')!.sans).toContain(set.hosts[2]!.address);
    expect(certificates.find((c) => c.id === 'etcd-apiserver-client')!.usedBy).toEqual(['cp-0', 'cp-1']);
    const text = await ksctl(['certs', 'check', 'tls'], sb.env);
    expect(text.stdout).toMatch(/etcd-peer\/etcd-2 +CN=etcd-2-peer/);
    expect(text.stdout).toContain('All 8 certificates are valid for more than 30 days.');
    expect((await ksctl(['get', 'cluster', 'tls'], sb.env)).stderr).not.toContain('certificates');
    caBefore = secret('etcd-ca.crt');
    expect(etcdctl(['put', '/ksctl-test/certs', 'still-here']).status).toBe(0);
  }, 150_000);

  it('renew --all with a validity of minutes: rolled out one machine at a time, now expiring', async () => {
    const r = await ksctl(['certs', 'renew', 'tls', '--all'], { ...sb.env, KSCTL_CERT_VALIDITY_DAYS: '0.004' });
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail()}`).toBe(0);
    expect(r.stdout).toContain('Renewed 7 certificate(s)');
    const { certificates } = await check();
    const leaves = certificates.filter((c) => c.renewable);
    expect(leaves).toHaveLength(7);
    for (const c of leaves) expect(c, c.id).toMatchObject({ status: 'expiring', daysLeft: 0, keyMatches: true });
    expect(secret('etcd-ca.crt')).toBe(caBefore);
    await expectMachinesMatchState();
    expectEtcdHealthy();
    const warn = await ksctl(['get', 'cluster', 'tls'], sb.env);
    expect(warn.code).toBe(0);
    expect(warn.stderr).toMatch(
      /warning: certificates expiring within 30 days: etcd-server\/etcd-0, .*etcd-apiserver-client — run 'ksctl certs renew tls'/,
    );
    // One machine at a time, in order, each recorded.
    const d = JSON.parse((await ksctl(['get', 'cluster', 'tls', '-o', 'json'], sb.env)).stdout) as {
      steps: { id: string; status: string }[];
      phase: string;
    };
    const renewal = d.steps.filter((s) => s.id.startsWith('certs/'));
    expect(renewal.map((s) => s.id.split('/').slice(2).join('/'))).toEqual([
      'etcd/etcd-0',
      'etcd/etcd-1',
      'etcd/etcd-2',
      'etcd-apiserver-client',
      'apiserver/cp-0',
      'apiserver/cp-1',
    ]);
    expect(renewal.every((s) => s.status === 'done')).toBe(true);
    expect(d.phase).toBe('ready');
  }, 300_000);

  it('renew --dry-run lists the expiring certificates and machines and changes nothing', async () => {
    const before = secret('etcd-etcd-1-peer.crt');
    const r = await ksctl(['certs', 'renew', 'tls', '--dry-run', '-o', 'json'], sb.env);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { renew: { id: string }[]; machines: string[] };
    expect(plan.renew).toHaveLength(7);
    expect(plan.machines).toEqual(['etcd-0', 'etcd-1', 'etcd-2', 'cp-0', 'cp-1']);
    expect(r.stdout).not.toMatch(/PRIVATE KEY|BEGIN/);
    expect(secret('etcd-etcd-1-peer.crt')).toBe(before);
  });

  it('renew (within 30 days) brings every leaf back to a year: etcd healthy over the new certificates, data and API intact', async () => {
    const oldAfter = inspectCertificate(secret('etcd-etcd-0-server.crt')).notAfter.getTime();
    const r = await ksctl(['certs', 'renew', 'tls', '--within', '30d', '-o', 'json'], sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail()}`).toBe(0);
    const out = JSON.parse(r.stdout) as { renew: CertReport[]; machines: string[] };
    expect(out.renew).toHaveLength(7);
    expect(out.renew.every((c) => c.status === 'ok' && c.daysLeft >= 364)).toBe(true);
    expect(out.machines).toEqual(['etcd-0', 'etcd-1', 'etcd-2', 'cp-0', 'cp-1']);
    expect(r.stdout).not.toMatch(/PRIVATE KEY|BEGIN/);
    const { certificates } = await check();
    for (const c of certificates) expect(c.status, c.id).toBe('ok');
    expect(new Date(certificates.find((c) => c.id === 'etcd-server/etcd-0')!.notAfter).getTime()).toBeGreaterThan(
      oldAfter + 300 * DAY,
    );
    expect(secret('etcd-ca.crt')).toBe(caBefore);
    await expectMachinesMatchState();
    expectEtcdHealthy();
    expect(etcdctl(['get', '/ksctl-test/certs', '--print-value-only']).stdout.trim()).toBe('still-here');
    // The API servers restarted onto the new client certificate and serve through etcd.
    expect((await ksctl(['switch', 'tls'], sb.env)).code).toBe(0);
    const ns = await kubectl(['create', 'namespace', 'after-renewal', '--request-timeout', '20s'], sb.env);
    expect(ns.code, ns.stderr).toBe(0);
    expect((await kubectl(['get', 'namespace', 'after-renewal', '-o', 'name'], sb.env)).stdout.trim()).toBe(
      'namespace/after-renewal',
    );
    expect((await ksctl(['get', 'cluster', 'tls'], sb.env)).stderr).not.toContain('certificates');
  }, 300_000);

  it('a re-run has nothing to do and restarts nothing', async () => {
    const pid = (await etcdHosts()[0]!.exec('pgrep -x etcd')).stdout.trim();
    const r = await ksctl(['certs', 'renew', 'tls'], sb.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Nothing to renew in tls');
    expect((await etcdHosts()[0]!.exec('pgrep -x etcd')).stdout.trim()).toBe(pid);
  });

  it('renew --all killed midway (SIGKILL): the re-run finishes that renewal and renews nothing twice', async () => {
    const started = Date.now();
    // Issued by this renewal: notBefore is backdated 5 minutes, on a whole second.
    const renewedNow = (name: string) =>
      inspectCertificate(secret(name)).notBefore.getTime() >= started - 5 * 60_000 - 1000;
    const { child, done } = startKsctl(['certs', 'renew', 'tls', '--all'], sb.env);
    const deadline = Date.now() + 120_000;
    while (!renewedNow('etcd-etcd-1-peer.crt') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await done;
    expect(renewedNow('etcd-etcd-1-peer.crt')).toBe(true);
    expect(renewedNow('etcd-apiserver-client.crt')).toBe(false); // stopped before the end
    expect(existsSync(secretPath('certs-renewal.json'))).toBe(true);
    const done0 = secret('etcd-etcd-0-server.crt');
    const done1 = secret('etcd-etcd-1-peer.crt');

    const r = await ksctl(['certs', 'renew', 'tls', '--all'], sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail()}`).toBe(0);
    expect(secret('etcd-etcd-0-server.crt')).toBe(done0);
    expect(secret('etcd-etcd-1-peer.crt')).toBe(done1);
    for (const name of ['etcd-etcd-2-server.crt', 'etcd-etcd-2-peer.crt', 'etcd-apiserver-client.crt'])
      expect(renewedNow(name), name).toBe(true);
    expect(existsSync(secretPath('certs-renewal.json'))).toBe(false);
    await expectMachinesMatchState();
    expectEtcdHealthy();
    expect(etcdctl(['get', '/ksctl-test/certs', '--print-value-only']).stdout.trim()).toBe('still-here');
    expect(
      (
        await kubectl(['get', 'namespace', 'after-renewal', '-o', 'name', '--request-timeout', '20s'], sb.env)
      ).stdout.trim(),
    ).toBe('namespace/after-renewal');
    // Done: --all again starts a new renewal (everything was issued before it), so check with --within.
    expect((await ksctl(['certs', 'renew', 'tls'], sb.env)).stdout).toContain('Nothing to renew');
  }, 360_000);

  it('bad input is exit 2 before anything is touched', async () => {
    const before = secret('etcd-etcd-0-server.crt');
    for (const args of [
      ['--within', '30m'],
      ['--all', '--within', '5d'],
    ]) {
      const r = await ksctl(['certs', 'renew', 'tls', ...args], sb.env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/--within/);
    }
    for (const args of [
      ['certs', 'renew', 'tls', '--all'],
      ['create', 'cluster', '-f', file],
    ]) {
      const r = await ksctl(args, { ...sb.env, KSCTL_CERT_VALIDITY_DAYS: 'soon' });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('KSCTL_CERT_VALIDITY_DAYS');
    }
    expect(secret('etcd-etcd-0-server.crt')).toBe(before);
  });
});
