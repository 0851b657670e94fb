/**
 * Object-storage emulators for the backup targets' tests, installed into the test cache by
 * scripts/install-test-deps.sh: Azurite (npm, scripts/install-azurite.sh) for Azure Blob and
 * fake-gcs-server (Go module, scripts/build-fake-gcs.sh) for GCS. Each starts on a free loopback
 * port, in memory, and is ready when its HTTP API answers. Missing emulators are an error, not a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from './cli.js';

const CACHE = process.env.KSCTL_TEST_CACHE ?? '/var/cache/ksctl-test';

/** The version a script installs by default (its `VAR:-version` line), so tests and scripts agree. */
function pinned(script: string, variable: string): string {
  const m = new RegExp(`${variable}:-([^}]+)\\}`).exec(readFileSync(path.join(ROOT, 'scripts', script), 'utf8'));
  if (!m) throw new Error(`no ${variable} default in scripts/${script}`);
  return m[1]!;
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

export interface Emulator {
  endpoint: string;
  log(): string;
  stop(): Promise<void>;
}

async function start(
  name: string,
  cmd: string,
  args: string[],
  ready: (endpoint: string) => Promise<boolean>,
  endpoint: string,
  timeoutMs = 30_000,
): Promise<Emulator> {
  const child: ChildProcess = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await ready(endpoint).catch(() => false))) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not answer on ${endpoint} within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { endpoint, log: () => out, stop };
}

/** Azurite's well-known development account (documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export async function startAzurite(): Promise<Emulator & { connectionString: string }> {
  const dir = path.join(CACHE, `azurite-${pinned('install-azurite.sh', 'AZURITE_VERSION')}`);
  const main = path.join(dir, 'node_modules/azurite/dist/src/blob/main.js');
  if (!existsSync(main)) throw new Error(`Azurite is not installed in ${dir}: run scripts/install-test-deps.sh`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  const work = mkdtempSync(path.join(os.tmpdir(), 'ksctl-azurite-'));
  // --skipApiVersionCheck: the SDK may speak a newer service version than this Azurite release knows.
  const e = await start(
    'azurite',
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--silent',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--location',
      work,
    ],
    async (ep) => (await fetch(`${ep}?comp=list`)).status > 0,
    endpoint,
  );
  const stop = async () => {
    await e.stop();
    rmSync(work, { recursive: true, force: true });
  };
  return {
    ...e,
    stop,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`,
  };
}

export async function startFakeGcs(): Promise<Emulator> {
  const bin = path.join(CACHE, `fake-gcs-server-${pinned('build-fake-gcs.sh', 'FAKE_GCS_VERSION')}`, 'fake-gcs-server');
  if (!existsSync(bin)) throw new Error(`fake-gcs-server is not built at ${bin}: run scripts/install-test-deps.sh`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  return start(
    'fake-gcs-server',
    bin,
    [
      '-scheme',
      'http',
      '-host',
      '127.0.0.1',
      '-port',
      String(port),
      '-backend',
      'memory',
      '-public-host',
      `127.0.0.1:${port}`,
      '-log-level',
      'warn',
    ],
    async (ep) => (await fetch(`${ep}/storage/v1/b`)).ok,
    endpoint,
  );
}
