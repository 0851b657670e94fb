/**
 * Real proof: a 3-member etcd cluster on 127.0.0.1 (distinct ports), started with the exact flags of
 * ksctl's unit (`etcdArgs`) and certificates from `generateEtcdPki`, client-cert-auth and peer TLS on.
 * The generated etcd-health script must pass against it; etcdctl must work with the API servers'
 * client certificate and fail without one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEtcdPki, type EtcdPki } from '../../../src/distro/pki/index.js';
import { etcdArgs, etcdHealthScript, type EtcdEndpoint } from '../../../src/distro/scripts/index.js';
import { builtEtcd } from '../../helpers/etcd-release.js';

// Upstream etcd, the release ksctl installs on etcd machines (scripts/build-etcd.sh builds it).
const { binDir, version } = builtEtcd();
const ETCD_BIN = join(binDir, 'etcd');

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import('node:net').Server>((res, rej) => {
          const s = createServer();
          s.once('error', rej);
          s.listen(0, '127.0.0.1', () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

describe(`a real 3-member etcd ${version} cluster with the generated PKI`, () => {
  const root = mkdtempSync(join(tmpdir(), 'ksctl-etcd-'));
  const procs: ChildProcess[] = [];
  const logs: string[] = [];
  let members: EtcdEndpoint[] = [];
  let pki: EtcdPki;
  const dir = (name: string) => join(root, name);

  const etcdctl = (args: string[], certs: boolean) =>
    spawnSync(
      join(binDir, 'etcdctl'),
      [
        `--endpoints=${members.map((m) => `https://127.0.0.1:${m.clientPort}`).join(',')}`,
        `--cacert=${join(root, 'ca.crt')}`,
        ...(certs ? [`--cert=${join(root, 'client.crt')}`, `--key=${join(root, 'client.key')}`] : []),
        '--dial-timeout=1s',
        '--command-timeout=2s',
        ...args,
      ],
      { encoding: 'utf8', env: process.env },
    );

  beforeAll(async () => {
    const ports = await freePorts(6);
    members = [0, 1, 2].map((i) => ({
      name: `m${i}`,
      address: '127.0.0.1',
      clientPort: ports[2 * i]!,
      peerPort: ports[2 * i + 1]!,
    }));
    pki = await generateEtcdPki({
      cluster: 'local',
      members: members.map((m) => ({ name: m.name, addresses: [m.address] })),
    });
    writeFileSync(join(root, 'ca.crt'), pki.ca.cert);
    writeFileSync(join(root, 'client.crt'), pki.apiServerClient.cert);
    writeFileSync(join(root, 'client.key'), pki.apiServerClient.key, { mode: 0o600 });
    for (const m of members) {
      const certs = pki.members[m.name]!;
      mkdirSync(join(dir(m.name), 'pki'), { recursive: true });
      mkdirSync(join(dir(m.name), 'data'), { recursive: true, mode: 0o700 });
      const files = {
        'ca.crt': pki.ca.cert,
        'server.crt': certs.server.cert,
        'server.key': certs.server.key,
        'peer.crt': certs.peer.cert,
        'peer.key': certs.peer.key,
      };
      for (const [f, c] of Object.entries(files)) writeFileSync(join(dir(m.name), 'pki', f), c, { mode: 0o600 });
      const args = etcdArgs(
        { cluster: 'local', name: m.name, address: m.address, members },
        { pkiDir: join(dir(m.name), 'pki'), dataDir: join(dir(m.name), 'data') },
      );
      const p = spawn(ETCD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout?.on('data', (d: Buffer) => logs.push(`[${m.name}] ${d.toString()}`));
      p.stderr?.on('data', (d: Buffer) => logs.push(`[${m.name}] ${d.toString()}`));
      procs.push(p);
    }
  }, 30_000);

  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((res) => {
            if (p.exitCode !== null || p.signalCode !== null) return res();
            const t = setTimeout(() => (p.kill('SIGKILL'), res()), 5000);
            p.once('exit', () => (clearTimeout(t), res()));
          }),
      ),
    );
    rmSync(root, { recursive: true, force: true });
  });

  it('the generated etcd-health script reports every member healthy', () => {
    const script = etcdHealthScript({ members, timeoutSeconds: 60, pkiDir: join(dir('m0'), 'pki') });
    const r = spawnSync('bash', ['-c', script.body], {
      encoding: 'utf8',
      env: { PATH: `${binDir}:/usr/bin:/bin`, ...script.env },
    });
    if (r.status !== 0) console.error(`${r.stdout}\n${r.stderr}\n--- etcd logs ---\n${logs.join('').slice(-6000)}`);
    expect(r.status).toBe(0);
    expect(`${r.stdout}${r.stderr}`.match(/is healthy/g)?.length).toBe(3);
    expect(r.stdout.match(/\| started \|/g)?.length).toBe(3);
    for (const m of members) expect(r.stdout).toContain(`https://127.0.0.1:${m.peerPort}`);
  }, 90_000);

  it("etcdctl with the API servers' client certificate: health, write, read", () => {
    const health = etcdctl(['endpoint', 'health', '--cluster'], true);
    expect(health.status, health.stderr).toBe(0);
    expect(etcdctl(['put', '/ksctl/probe', 'ok'], true).status).toBe(0);
    expect(etcdctl(['get', '/ksctl/probe', '--print-value-only'], true).stdout.trim()).toBe('ok');
  }, 30_000);

  it('etcdctl without a client certificate is refused', () => {
    const r = etcdctl(['endpoint', 'health', '--cluster'], false);
    expect(r.status).not.toBe(0);
    expect(etcdctl(['get', '/ksctl/probe'], false).status).not.toBe(0);
  }, 30_000);

  it('the peer port requires a peer certificate signed by the etcd CA', () => {
    const m = members[0]!;
    const pkiDir = join(dir(m.name), 'pki');
    const curl = (extra: string[]) =>
      spawnSync(
        'curl',
        [
          '-sS',
          '--http1.1',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          '--max-time',
          '5',
          '--cacert',
          join(pkiDir, 'ca.crt'),
          ...extra,
          `https://127.0.0.1:${m.peerPort}/members`,
        ],
        { encoding: 'utf8' },
      );
    const withPeer = curl(['--cert', join(dir('m1'), 'pki', 'peer.crt'), '--key', join(dir('m1'), 'pki', 'peer.key')]);
    expect(withPeer.stdout, withPeer.stderr).toBe('200');
    expect(curl([]).stdout).not.toBe('200');
  }, 30_000);

  it('a client certificate from another CA is refused', async () => {
    const other = await generateEtcdPki({ cluster: 'other', members: [] });
    writeFileSync(join(root, 'client.crt'), other.apiServerClient.cert);
    writeFileSync(join(root, 'client.key'), other.apiServerClient.key);
    try {
      expect(etcdctl(['get', '/ksctl/probe'], true).status).not.toBe(0);
    } finally {
      writeFileSync(join(root, 'client.crt'), pki.apiServerClient.cert);
      writeFileSync(join(root, 'client.key'), pki.apiServerClient.key);
    }
  }, 30_000);
});
