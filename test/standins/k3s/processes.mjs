// TEST STAND-IN support (not shipped): the launcher's child processes. k3s runs its components in
// its own process; the launcher runs the real binaries as children instead, so they must live and die
// with it: each starts under `setpriv --pdeathsig SIGKILL` (killed when the launcher dies, whatever
// killed it), logs to <data-dir>/logs/<name>.log, and has its pid recorded next to the launcher's
// so k3s-killall.sh stops exactly this host's processes (test hosts share nothing but their kernel).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hostPath, writeFile } from './lib/paths.mjs';
import { k3sLog } from './lib/log.mjs';
import { setStatus } from './common.mjs';

const children = new Set();
let stopping = false;

/** Start `bin args` as a child of the launcher. Resolves nothing; returns { name, child, log, exited }. */
export function startChild(command, name, bin, args, { logDir, env } = {}) {
  const log = hostPath(path.join(logDir, `${name}.log`));
  fs.mkdirSync(path.dirname(log), { recursive: true });
  const fd = fs.openSync(log, 'a');
  const child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', bin, ...args], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...env },
  });
  fs.closeSync(fd);
  const pidFile = `/var/lib/rancher/k3s-standin/${command}-${name}.pid`;
  writeFile(pidFile, `${child.pid}\n`, 0o644);
  const proc = { name, child, log, exitCode: null };
  proc.exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      proc.exitCode = code ?? signal;
      children.delete(proc);
      fs.rmSync(hostPath(pidFile), { force: true });
      resolve(proc.exitCode);
      // k3s runs its components in-process: when one fails, k3s fails. So does the launcher.
      // The status file tells install.sh (standing in for systemd's Type=notify) that the unit failed.
      if (!stopping) {
        setStatus(command, `failed: ${name} exited (${proc.exitCode})`);
        k3sLog.fatal(`${name} exited (${proc.exitCode}):\n${logTail(proc)}`);
      }
    }),
  );
  children.add(proc);
  k3sLog.info(`Running ${name} ${args.join(' ')}`);
  return proc;
}

/** The last lines of a child's log, for a fatal message that says why it stopped. */
export function logTail(proc, lines = 15) {
  try {
    return fs.readFileSync(proc.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Stop every child (SIGTERM, then SIGKILL after 5 s). */
export async function stopChildren() {
  stopping = true;
  const all = [...children];
  for (const p of all) p.child.kill('SIGTERM');
  const deadline = setTimeout(() => {
    for (const p of all) p.child.kill('SIGKILL');
  }, 5000);
  await Promise.all(all.map((p) => p.exited));
  clearTimeout(deadline);
}

/** Poll until fn() is truthy; fails at once when one of `watch` exited. */
export async function waitFor(what, fn, { timeoutMs, intervalMs = 1000, watch = [] }) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    const dead = watch.find((p) => p.exitCode !== null);
    if (dead)
      throw Object.assign(
        new Error(`${dead.name} exited (${dead.exitCode}) while waiting for ${what}:\n${logTail(dead)}`),
        { fatal: true },
      );
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw Object.assign(new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`), {
        fatal: true,
      });
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
