/**
 * The real HAProxy with ksctl's configuration takes an API server out of rotation when it accepts TCP
 * but is not ready (/readyz answers 500), keeps the ready one, and brings the first back once it is
 * ready. The "API servers" are small HTTPS servers in this process (self-signed, like an API server's
 * certificate seen without its CA); HAProxy runs as root, drops to `user haproxy` in its chroot.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haproxyConfig } from '../../../src/distro/scripts/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ksctl-haproxy-readyz-'));
const ready: Record<string, boolean> = { 'cp-0': true, 'cp-1': false };
const probes: Record<string, string[]> = { 'cp-0': [], 'cp-1': [] };
const servers: Server[] = [];
let haproxy: ChildProcess;
let port: number;
let haproxyLog = '';

async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

/** One request through the load balancer: the name of the API server that answered. */
function viaLb(): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/version', rejectUnauthorized: false, agent: false, timeout: 2000 },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function answers(n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await viaLb().catch((e: Error) => `error: ${e.message}`));
  return out;
}

async function until(what: string, ok: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; haproxy said:\n${haproxyLog}`);
}

beforeAll(async () => {
  const key = path.join(dir, 'tls.key');
  const cert = path.join(dir, 'tls.crt');
  const gen = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=kube-apiserver',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  expect(gen.status, gen.stderr).toBe(0);
  port = await freePort();
  const tls = { key: readFileSync(key), cert: readFileSync(cert) };
  const controlPlanes = [
    { name: 'cp-0', address: '127.0.0.2' },
    { name: 'cp-1', address: '127.0.0.3' },
  ];
  for (const cp of controlPlanes) {
    const s = createServer(tls, (req, res) => {
      if (req.url === '/readyz') {
        probes[cp.name]!.push(`${req.method} ${req.url}`);
        return void res
          .writeHead(ready[cp.name] ? 200 : 500)
          .end(ready[cp.name] ? 'ok' : '[-]etcd failed\nreadyz check failed');
      }
      res.writeHead(200).end(cp.name);
    });
    await new Promise<void>((r) => s.listen(port, cp.address, r));
    servers.push(s);
  }
  // ksctl's configuration, unchanged but for the frontend: here it shares the port number with the
  // backends (as on a real LB), so it binds loopback's .1 instead of every address.
  const cfg = haproxyConfig({ controlPlanes, port });
  expect(cfg).toContain(`    bind :${port}\n`);
  writeFileSync(path.join(dir, 'haproxy.cfg'), cfg.replace(`    bind :${port}\n`, `    bind 127.0.0.1:${port}\n`));
  haproxy = spawn('haproxy', ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
  haproxy.stdout!.on('data', (d: Buffer) => (haproxyLog += d.toString()));
  haproxy.stderr!.on('data', (d: Buffer) => (haproxyLog += d.toString()));
}, 30_000);

afterAll(async () => {
  if (haproxy && haproxy.exitCode === null) {
    haproxy.kill('SIGTERM');
    await new Promise((r) => haproxy.once('exit', r));
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

describe("HAProxy with ksctl's config, real HTTPS /readyz checks", () => {
  it('runs as the unprivileged haproxy user', async () => {
    await until(
      'haproxy to listen',
      async () =>
        await viaLb().then(
          () => true,
          () => false,
        ),
    );
    const workers = spawnSync('ps', ['-o', 'user=', '--ppid', String(haproxy.pid)], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .filter(Boolean);
    const self = spawnSync('ps', ['-o', 'user=', '-p', String(haproxy.pid)], { encoding: 'utf8' }).stdout.trim();
    expect([self, ...workers]).toContain('haproxy');
    expect([self, ...workers]).not.toContain('root');
  });

  it('takes the API server that accepts TCP but is not ready out of rotation; the ready one stays', async () => {
    await until('cp-1 out of rotation', async () => (await answers(6)).every((a) => a === 'cp-0'));
    expect(probes['cp-1']!.length).toBeGreaterThan(0); // it was asked, over TLS, and said 500
    expect(probes['cp-1']!.every((p) => p === 'GET /readyz')).toBe(true);
    expect(await answers(10)).toEqual(Array(10).fill('cp-0'));
  }, 30_000);

  it('brings it back once /readyz answers 200, and round-robins again', async () => {
    ready['cp-1'] = true;
    await until('cp-1 back in rotation', async () => new Set(await answers(6)).size === 2);
    const seen = await answers(10);
    expect(seen.filter((a) => a === 'cp-0').length).toBe(5);
    expect(seen.filter((a) => a === 'cp-1').length).toBe(5);
  }, 30_000);

  it('drops the ready one too when it stops being ready', async () => {
    ready['cp-0'] = false;
    await until('cp-0 out of rotation', async () => (await answers(6)).every((a) => a === 'cp-1'));
  }, 30_000);
});
