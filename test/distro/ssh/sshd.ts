/**
 * A real OpenSSH server for the SSH executor's tests: Debian's /usr/sbin/sshd in the foreground on a
 * free 127.0.0.1 port, with its own host key, authorized keys and config in a temp dir. Needs root
 * (sshd's privilege separation) and the openssh-server + openssh-client packages.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../../src/util/log.js';
import type { SshTarget } from '../../../src/distro/ssh/types.js';

export interface Sshd {
  port: number;
  /** `ssh-ed25519 AAAA...` */
  hostKey: string;
  /** Everything sshd logged so far (LogLevel VERBOSE). */
  log(): string;
  /** TCP connections sshd accepted so far. */
  connections(): number;
  stop(): Promise<void>;
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Generates an ed25519 key pair at `path`; returns the public key line without its comment. */
export function keygen(path: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', path]);
  return readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

export class SshFixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'ksctl-sshd-'));
  readonly clientKey: string;
  private readonly clientPub: string;
  private readonly running = new Set<Sshd>();

  constructor() {
    keygen(join(this.dir, 'client'));
    this.clientKey = readFileSync(join(this.dir, 'client'), 'utf8');
    this.clientPub = readFileSync(join(this.dir, 'client.pub'), 'utf8');
    // sshd reads authorized keys as the logging-in user: non-root test users must be able to reach them.
    chmodSync(this.dir, 0o755);
    mkdirSync(join(this.dir, 'auth'), { mode: 0o755 });
    this.authorize('root');
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation dir
  }

  /** Lets `user` log in with the fixture's client key. */
  authorize(user: string): void {
    writeFileSync(join(this.dir, 'auth', user), this.clientPub, { mode: 0o644 });
  }

  /** Starts sshd on `port` (a free one by default) and resolves once it listens. */
  async start(opts: { port?: number; name?: string } = {}): Promise<Sshd> {
    const port = opts.port ?? (await freePort());
    const name = opts.name ?? `sshd-${port}`;
    const hostKeyPath = join(this.dir, `${name}-host`);
    const hostKey = keygen(hostKeyPath);
    const cfg = join(this.dir, `${name}.conf`);
    writeFileSync(
      cfg,
      [
        `HostKey ${hostKeyPath}`,
        `PidFile ${join(this.dir, `${name}.pid`)}`,
        `AuthorizedKeysFile ${join(this.dir, 'auth')}/%u`,
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'AllowTcpForwarding yes',
        'Subsystem sftp internal-sftp',
        process.env.KSCTL_SSHD_DEBUG ? 'LogLevel DEBUG1' : 'LogLevel VERBOSE', // KSCTL_SSHD_DEBUG=1 to see sshd's side
        // bash sources ~/.bashrc for commands run by sshd when SHLVL < 2; this box's root ~/.bashrc runs
        // `pyenv init` (~130 ms per exec). Real machines' ~/.bashrc returns early for non-interactive shells.
        'SetEnv SHLVL=1',
      ].join('\n') + '\n',
    );
    const child = spawn(
      '/usr/sbin/sshd',
      ['-D', '-e', '-f', cfg, '-p', String(port), '-o', 'ListenAddress=127.0.0.1'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`sshd exited (${code}): ${log}`));
      child.once('exit', onExit);
      child.stderr.on('data', (b: Buffer) => {
        log += b.toString();
        if (log.includes('Server listening on')) {
          child.removeListener('exit', onExit);
          resolve();
        }
      });
    });
    const sshd: Sshd = {
      port,
      hostKey,
      log: () => log,
      connections: () => log.split('\n').filter((l) => l.startsWith('Connection from ')).length,
      stop: () => this.stopChild(sshd, child),
    };
    this.running.add(sshd);
    return sshd;
  }

  /** A target for `user` on `sshd`, pinned to its host key unless `hostKeys` says otherwise. */
  target(sshd: Sshd, over: Partial<SshTarget> = {}): SshTarget {
    return {
      name: `m-${sshd.port}`,
      host: '127.0.0.1',
      port: sshd.port,
      user: 'root',
      privateKey: this.clientKey,
      hostKeys: [sshd.hostKey],
      ...over,
    };
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.running].map((s) => s.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private stopChild(sshd: Sshd, child: ChildProcess): Promise<void> {
    this.running.delete(sshd);
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

/** A Logger that keeps every line, for asserting on what would reach the log file. */
export function recordingLogger(lines: string[] = [], prefix = ''): Logger & { lines: string[] } {
  const add = (level: string) => (msg: string) => void lines.push(`${level} ${prefix}${msg}`);
  return {
    lines,
    debug: add('debug'),
    info: add('info'),
    warn: add('warn'),
    error: add('error'),
    child: (p: string) => recordingLogger(lines, `${prefix}[${p}] `),
  };
}
