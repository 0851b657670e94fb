/**
 * Long-running test peers (etcd, the Kubernetes components, kwok): each logs to a file, is watched for
 * an early exit (a start-up wait then fails with the log's tail, not a timeout), and is stopped with
 * SIGTERM, then SIGKILL. Peak memory (VmHWM) is read before the stop, so a test can report it. A
 * process-exit hook kills whatever is still running if the test process ends without its teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export interface Daemon {
  name: string;
  child: ChildProcess;
  log: string;
  /** Set when the process has exited (code or signal). */
  exited?: string;
}

const running = new Set<Daemon>();
process.once('exit', () => {
  for (const d of running) d.child.kill('SIGKILL');
});

export function startDaemon(
  name: string,
  bin: string,
  args: string[],
  logDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Daemon {
  const log = path.join(logDir, `${name}.log`);
  const fd = openSync(log, 'a', 0o600);
  const child = spawn(bin, args, { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  const d: Daemon = { name, child, log };
  running.add(d);
  child.once('exit', (code, signal) => {
    d.exited = signal ?? `exit ${code}`;
    running.delete(d);
  });
  child.once('error', (e) => {
    d.exited = e.message;
    running.delete(d);
  });
  return d;
}

export function logTail(d: Daemon, lines = 30): string {
  try {
    return readFileSync(d.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Peak resident memory (VmHWM) in KiB, while the process runs. */
export function peakRssKiB(d: Daemon): number | undefined {
  if (d.exited || d.child.pid === undefined) return undefined;
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${d.child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function stopDaemon(d: Daemon, graceMs = 5000): Promise<void> {
  if (d.exited) return;
  const gone = new Promise<void>((resolve) => d.child.once('exit', () => resolve()));
  d.child.kill('SIGTERM');
  const timer = setTimeout(() => d.child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Polls `probe` until it returns true; fails early when any of `watch` exits. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  watch: readonly Daemon[] = [],
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = watch.find((d) => d.exited);
    if (dead)
      throw new Error(`${dead.name} exited (${dead.exited}) while waiting for ${what}; ${dead.log}:\n${logTail(dead)}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      const tails = watch.map((d) => `--- ${d.name} (${d.log}):\n${logTail(d, 10)}`).join('\n');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${tails}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A port the kernel just handed out on 127.0.0.1 (free at the time of asking). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
