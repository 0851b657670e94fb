/**
 * moto's server (PyPI, installed by scripts/install-moto.sh into the test cache) on loopback, for
 * one test file: a free port, the seed wrapper (test/peers/moto/serve.py: the Ubuntu 24.04 AMI and
 * its SSM parameter a real account has), ready when its HTTP API answers, stopped by `stop()`.
 * Missing moto is an error, not a skip: install-test-deps installs it on every machine that runs tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from './cli.js';

const REQUIREMENTS = path.join(ROOT, 'test/peers/moto/requirements.txt');
const SERVE = path.join(ROOT, 'test/peers/moto/serve.py');

/** The pinned moto version (test/peers/moto/requirements.txt). */
export function motoVersion(): string {
  const m = /^moto(?:\[[^\]]*\])?==(\S+)$/m.exec(readFileSync(REQUIREMENTS, 'utf8'));
  if (!m) throw new Error(`no moto pin in ${REQUIREMENTS}`);
  return m[1]!;
}

export function motoPython(): string {
  const venv = path.join(process.env.KSCTL_TEST_CACHE ?? '/var/cache/ksctl-test', `moto-${motoVersion()}`);
  const python = path.join(venv, 'bin/python');
  if (!existsSync(path.join(venv, 'bin/moto_server')))
    throw new Error(`moto ${motoVersion()} is not installed in ${venv}: run scripts/install-test-deps.sh`);
  return python;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

export interface Moto {
  /** http://127.0.0.1:<port>: what AWS_ENDPOINT_URL names. */
  endpoint: string;
  /** The seeded Ubuntu 24.04 amd64 AMI. */
  ubuntuAmi: string;
  /** moto's output so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export async function startMoto(region: string, timeoutMs = 30_000): Promise<Moto> {
  const python = motoPython();
  const port = await freePort();
  const child: ChildProcess = spawn(python, [SERVE, region, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8' },
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}:\n${out}`);
    const ok = await fetch(`${endpoint}/moto-api/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const ubuntuAmi = /^(ami-[0-9a-f]+)$/m.exec(out)?.[1];
  if (!ubuntuAmi) throw new Error(`moto seed printed no AMI id:\n${out}`);
  return { endpoint, ubuntuAmi, log: () => out, stop };
}
