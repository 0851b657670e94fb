/**
 * Helpers for the k3s launcher's local tests: temp roots (STANDIN_ROOT), a REAL etcd 3.6 with TLS on
 * loopback, a REAL HAProxy, the REAL kubectl v1.37.2, running launcher commands and daemons, and
 * cleaning up every process started (found through the launcher's pid files as well).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtEtcd } from '../../helpers/etcd-release.js';
import { kubeBinary } from '../../helpers/kube-binaries.js';

export const STANDINS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const K3S = path.join(STANDINS, 'k3s', 'k3s.mjs');
export const KUBECTL = process.env.KUBECTL_BIN ?? kubeBinary('kubectl');
const ETCD_BIN = () => path.join(builtEtcd().binDir, 'etcd');
const ETCDCTL_BIN = () => path.join(builtEtcd().binDir, 'etcdctl');

const daemons: ChildProcess[] = [];
const roots: string[] = [];

export function tmpDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `standin-${prefix}-`));
  roots.push(d);
  return d;
}

/** A free TCP port on host (the kernel's pick). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
      );
    await sleep(200);
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command to completion (async, so daemons keep being served meanwhile). */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.stdin.end(input ?? '');
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Start a long-running process in its own process group; killed by cleanup(). Output goes to logFile. */
export function daemon(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  daemons.push(child);
  return child;
}

export function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const t = setTimeout(() => reject(new Error(`process ${child.pid} still running after ${timeoutMs}ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

function killGroup(pid: number | undefined, sig: NodeJS.Signals = 'SIGKILL') {
  if (!pid) return;
  try {
    process.kill(-pid, sig);
  } catch {
    /* already gone */
  }
}

/** Kill every daemon started here and every process recorded in a stand-in pid file under our roots. */
export function cleanup(): void {
  for (const d of daemons.splice(0)) killGroup(d.pid);
  for (const root of roots) {
    for (const dir of ['var/lib/rancher/k3s-standin', 'systemd']) {
      const p = path.join(root, dir);
      if (!fs.existsSync(p)) continue;
      for (const f of fs.readdirSync(p).filter((x) => x.endsWith('.pid'))) {
        killGroup(Number(fs.readFileSync(path.join(p, f), 'utf8')));
      }
    }
  }
}

/** Remove the temp roots (call after cleanup, unless KEEP_STANDIN_ROOTS is set for debugging). */
export function removeRoots(): void {
  if (process.env.KEEP_STANDIN_ROOTS) return;
  for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
}

function openssl(args: string[], cwd: string) {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** CA + server + client certs for etcd (EC P-256) in dir; returns the file paths. */
export function etcdCerts(dir: string, sans: string[]) {
  fs.mkdirSync(dir, { recursive: true });
  const key = (n: string) => openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${n}.key`], dir);
  key('ca');
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=etcd-ca', '-days', '2', '-out', 'ca.crt'], dir);
  fs.writeFileSync(
    path.join(dir, 'ext'),
    `subjectAltName=${sans.map((s) => (/^[\d.]+$/.test(s) ? `IP:${s}` : `DNS:${s}`)).join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`,
  );
  for (const n of ['server', 'client']) {
    key(n);
    openssl(['req', '-new', '-key', `${n}.key`, '-subj', `/CN=etcd-${n}`, '-out', `${n}.csr`], dir);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${n}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        'ext',
        '-out',
        `${n}.crt`,
      ],
      dir,
    );
  }
  const f = (n: string) => path.join(dir, n);
  return {
    ca: f('ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
  };
}

/** A REAL etcd 3.6 on 127.0.0.1 with client-cert TLS; resolves once it serves. */
export async function startEtcd(dir: string) {
  const certs = etcdCerts(path.join(dir, 'pki'), ['127.0.0.1', 'localhost']);
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `https://127.0.0.1:${client}`;
  daemon(
    ETCD_BIN(),
    [
      '--name',
      'ext0',
      '--data-dir',
      path.join(dir, 'data'),
      '--listen-client-urls',
      endpoint,
      '--advertise-client-urls',
      endpoint,
      '--listen-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peer}`,
      '--initial-cluster',
      `ext0=http://127.0.0.1:${peer}`,
      '--cert-file',
      certs.serverCert,
      '--key-file',
      certs.serverKey,
      '--trusted-ca-file',
      certs.ca,
      '--client-cert-auth',
      '--unsafe-no-fsync',
    ],
    {},
    path.join(dir, 'etcd.log'),
  );
  await waitFor(
    async () =>
      (
        await run(
          ETCDCTL_BIN(),
          [
            '--endpoints',
            endpoint,
            '--cacert',
            certs.ca,
            '--cert',
            certs.clientCert,
            '--key',
            certs.clientKey,
            'endpoint',
            'health',
          ],
          { ETCDCTL_API: '3' },
        )
      ).code === 0,
    20000,
    'etcd',
  );
  return { endpoint, certs };
}

/** A REAL HAProxy TCP load balancer on bind ("ip:port") round-robin over backends ("ip:port"). */
export async function startHaproxy(dir: string, bind: string, backends: string[]) {
  const cfg = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(
    cfg,
    [
      'global',
      '  maxconn 256',
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      'frontend k8s',
      `  bind ${bind}`,
      '  default_backend cps',
      'backend cps',
      '  balance roundrobin',
      ...backends.map((b, i) => `  server cp${i} ${b} check inter 300 fall 2 rise 1`),
      '',
    ].join('\n'),
  );
  daemon('/usr/sbin/haproxy', ['-f', cfg, '-db'], {}, path.join(dir, 'haproxy.log'));
  const [host, port] = bind.split(':');
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(Number(port), host, () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      }),
    10000,
    'haproxy',
  );
}

/** Copy a file into a STANDIN_ROOT at the host path it should have there; returns that host path. */
export function place(root: string, hostFile: string, from: string): string {
  const dest = path.join(root, hostFile);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(from, dest);
  return hostFile;
}

/** Real kubectl with a kubeconfig; returns parsed JSON when -o json is among args. */
export async function kubectl(kubeconfig: string, args: string[]): Promise<RunResult> {
  return run(KUBECTL, ['--kubeconfig', kubeconfig, ...args]);
}

/** A kubeconfig copy whose server points at url (what ksctl does with the LB address). */
export function repointKubeconfig(src: string, dest: string, url: string): string {
  fs.writeFileSync(dest, fs.readFileSync(src, 'utf8').replace(/server: \S+/, `server: ${url}`));
  return dest;
}

/** Upstream etcdctl 3.6 (the release the launcher's embedded etcd runs). */
export const etcdctl = ETCDCTL_BIN;
