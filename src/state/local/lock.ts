/**
 * Per-cluster lock: a file created with O_EXCL that names its holder. A holder on this host whose pid
 * is gone is stale and taken over. The takeover itself is serialised by a short-lived guard file so two
 * processes that both saw the same dead holder cannot both win, and a live lock is never stolen.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LockedError } from '../../errors.js';
import type { LockHolder } from '../types.js';

export interface HeldLock {
  holder: LockHolder;
  release: () => void;
}

const held = new Set<string>();
let exitHookInstalled = false;

/** Locks are released when the process exits, however it exits (except SIGKILL: then they go stale). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const file of held) releaseSync(file);
  });
}

function releaseSync(file: string): void {
  const mine = held.has(file);
  held.delete(file);
  if (!mine) return;
  try {
    const cur = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    if (cur.pid === process.pid) unlinkSync(file);
  } catch {
    // Already gone.
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as LockHolder;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Unparseable (disk trouble): locks are written whole, so this holder cannot be alive.
    return { pid: -1, host: os.hostname(), command: 'unknown', since: new Date(0).toISOString(), nonce: 'corrupt' };
  }
}

function isStale(h: LockHolder): boolean {
  return h.host === os.hostname() && (h.pid <= 0 || !pidAlive(h.pid));
}

/**
 * Create `file` holding `holder`, atomically: content is written to a temp file first and hard-linked
 * into place (link fails with EEXIST), so nobody ever reads a half-written lock.
 */
async function tryCreate(file: string, holder: LockHolder): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${holder.nonce}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(holder), { mode: 0o644 });
  try {
    await fs.link(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Remove `file` only if it still holds the stale holder we saw, under the takeover guard. */
async function takeOver(file: string, stale: LockHolder): Promise<void> {
  const guard = `${file}.takeover`;
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    command: 'takeover',
    since: new Date().toISOString(),
    nonce: randomBytes(8).toString('hex'),
  };
  if (!(await tryCreate(guard, me))) {
    const g = await readHolder(guard);
    if (g && isStale(g)) await fs.rm(guard, { force: true });
    return; // Someone else is taking over; the caller retries.
  }
  try {
    const cur = await readHolder(file);
    if (cur && cur.nonce === stale.nonce && cur.pid === stale.pid) await fs.rm(file, { force: true });
  } finally {
    await fs.rm(guard, { force: true });
  }
}

export async function acquireLock(dir: string, command: string, what: string): Promise<HeldLock> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'lock');
  const holder: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    command,
    since: new Date().toISOString(),
    nonce: randomBytes(8).toString('hex'),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await tryCreate(file, holder)) {
      installExitHook();
      held.add(file);
      return { holder, release: () => releaseSync(file) };
    }
    const cur = await readHolder(file);
    if (!cur) continue; // Released between our create and read: try again.
    if (cur.pid === process.pid && cur.host === holder.host) {
      throw new LockedError(`${what} is already locked by this process`);
    }
    if (!isStale(cur)) {
      throw new LockedError(
        `${what} is locked by pid ${cur.pid} on ${cur.host} running "${cur.command}" since ${cur.since}`,
        { hint: cur.host === holder.host ? 'wait for it to finish' : `if that process is gone, remove ${file}` },
      );
    }
    await takeOver(file, cur);
  }
  throw new LockedError(`${what} is locked: could not take over a stale lock at ${file}`);
}
