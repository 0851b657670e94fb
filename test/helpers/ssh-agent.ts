/**
 * A real ssh-agent (Debian's openssh-client) on a private socket, for tests of agent logins: started
 * in the foreground (-D) so the test owns the process, keys added with the real ssh-add.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RunningAgent {
  /** The socket, as SSH_AUTH_SOCK. */
  socket: string;
  /** `ssh-add <file>` against this agent (the file must be unencrypted). */
  add(file: string): void;
  /** Public keys the agent holds, `ssh-add -L` lines. */
  list(): string[];
  stop(): Promise<void>;
}

export async function startAgent(): Promise<RunningAgent> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksctl-agent-'));
  const socket = path.join(dir, 'agent.sock');
  const child: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'ignore', 'pipe'] });
  const deadline = Date.now() + 10_000;
  while (!existsSync(socket)) {
    if (child.exitCode !== null) throw new Error(`ssh-agent exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('ssh-agent did not create its socket within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  const env = { ...process.env, SSH_AUTH_SOCK: socket };
  return {
    socket,
    add: (file) => void execFileSync('ssh-add', ['-q', file], { env, stdio: ['ignore', 'ignore', 'pipe'] }),
    list: () => {
      try {
        return execFileSync('ssh-add', ['-L'], { env, encoding: 'utf8' }).trim().split('\n').filter(Boolean);
      } catch {
        return []; // exit 1: the agent holds no key
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
