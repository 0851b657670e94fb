/**
 * File transfer over SFTP. Root writes in place (a temp file beside the target, then an atomic
 * rename); a non-root user with sudo writes to a temp file in its home and `sudo install`s it, so the
 * file never exists at the target with the wrong mode or owner.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Writable } from 'node:stream';
import type { SFTPWrapper } from 'ssh2';
import { InputError, ProviderError } from '../../errors.js';
import { shellQuote as q } from './command.js';
import type { RawResult } from './exec.js';
import type { StreamResult } from './stream.js';
import type { SshTarget, UploadData, UploadOptions } from './types.js';

/** What transfers need from a session. */
export interface TransferHost {
  readonly target: SshTarget;
  withSftp<T>(fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T>;
  /** Runs a command, throwing on a non-zero exit; `sudo` as in ExecOptions. */
  run(command: string, sudo: boolean): Promise<RawResult>;
  /** Runs a command, its stdout into `sink` as it arrives. */
  runInto(command: string, sudo: boolean, sink: Writable, signal?: AbortSignal): Promise<StreamResult>;
}

/** A local file goes up in parallel 32 KiB SFTP writes (fastPut), never whole in memory. */
function put(sftp: SFTPWrapper, data: Buffer | { file: string }, remote: string, mode: number): Promise<void> {
  if (Buffer.isBuffer(data)) return call<void>((cb) => sftp.writeFile(remote, data, { mode }, cb));
  return call<void>((cb) => sftp.fastPut(data.file, remote, { mode, concurrency: 64 }, (e) => cb(e, undefined)));
}

const OWNER = /^([a-z_][a-z0-9_.-]*)?(?::([a-z_][a-z0-9_.-]*))?$/i;

export async function upload(
  host: TransferHost,
  path: string,
  data: UploadData,
  opts: UploadOptions = {},
): Promise<void> {
  const mode = opts.mode ?? 0o644;
  const owner = opts.owner ? parseOwner(opts.owner) : undefined;
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tag = randomBytes(6).toString('hex');
  const where = `machine "${host.target.name}": upload to ${path}`;
  try {
    if (!usesSudo(host.target, opts.sudo)) {
      const dir = posix.dirname(path);
      const tmp = posix.join(dir, `.${posix.basename(path)}.ksctl-${tag}`);
      await host.run(`mkdir -p -- ${q(dir)}`, false);
      await host.withSftp(async (sftp) => {
        try {
          await put(sftp, body, tmp, mode);
          await call<void>((cb) => sftp.chmod(tmp, mode, cb)); // exact mode, whatever sftp-server's umask
          if (owner) await host.run(`chown -- ${q(opts.owner!)} ${q(tmp)}`, false);
          await call<void>((cb) => sftp.ext_openssh_rename(tmp, path, cb));
        } catch (err) {
          await call<void>((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
          throw err;
        }
      });
      return;
    }
    if (!path.startsWith('/')) throw new InputError(`${where}: the path must be absolute`, ['path']);
    const tmp = await host.withSftp(async (sftp) => {
      const home = await call<string>((cb) => sftp.realpath('.', cb));
      const file = posix.join(home, `.ksctl-upload-${tag}`);
      await put(sftp, body, file, 0o600);
      return file;
    });
    const staged = `${path}.ksctl-${tag}`;
    const ownership = [owner?.user ? `-o ${q(owner.user)}` : '', owner?.group ? `-g ${q(owner.group)}` : ''].join(' ');
    await host.run(
      `mkdir -p -- ${q(posix.dirname(path))} && install -m ${mode.toString(8).padStart(4, '0')} ${ownership} -- ${q(tmp)} ${q(staged)}` +
        ` && mv -f -- ${q(staged)} ${q(path)}; rc=$?; rm -f -- ${q(tmp)} ${q(staged)}; exit $rc`,
      true,
    );
  } catch (err) {
    if (err instanceof InputError || err instanceof ProviderError) throw err;
    throw new ProviderError(`${where} failed: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * `cat` on an exec channel, for root too: one stream flow-controlled by the channel's window, where
 * SFTP's readFile asks for the file 32 KiB at a time, one round trip each (a 32 MiB etcd snapshot:
 * 1,024 of them).
 */
export async function download(host: TransferHost, path: string, opts: { sudo?: boolean } = {}): Promise<Buffer> {
  try {
    return (await host.run(`cat -- ${q(path)}`, usesSudo(host.target, opts.sudo))).stdout;
  } catch (err) {
    // cat's own complaint ("cat: <path>: No such file or directory") says why, without the command line.
    const why = (err as Error).message
      .trim()
      .split('\n')
      .pop()!
      .replace(/^cat: .*?: /, '');
    throw new ProviderError(`machine "${host.target.name}": download of ${path} failed: ${why}`, { cause: err });
  }
}

/**
 * `cat` on an exec channel, as `download`, its output flowing into `sink` (left open) with the
 * channel's flow control: memory stays bounded whatever the file's size. Resolves with the bytes.
 */
export async function downloadTo(
  host: TransferHost,
  path: string,
  sink: Writable,
  opts: { sudo?: boolean; signal?: AbortSignal } = {},
): Promise<number> {
  const r = await host.runInto(`cat -- ${q(path)}`, usesSudo(host.target, opts.sudo), sink, opts.signal);
  if (r.code !== 0 || r.exitSignal) {
    const why =
      r.stderr
        .toString('utf8')
        .trim()
        .split('\n')
        .pop()
        ?.replace(/^cat: .*?: /, '') || `cat exited with ${r.exitSignal ?? r.code}`;
    throw new ProviderError(`machine "${host.target.name}": download of ${path} failed: ${why}`);
  }
  return r.bytes;
}

/** sudo applies to non-root users unless the caller turned it off. */
export function usesSudo(target: SshTarget, sudo: boolean | undefined): boolean {
  return target.user !== 'root' && sudo !== false;
}

function parseOwner(owner: string): { user?: string; group?: string } {
  const m = OWNER.exec(owner);
  if (!m || (!m[1] && !m[2]))
    throw new InputError(`invalid owner "${owner}" (expected user, user:group or :group)`, ['owner']);
  return { user: m[1], group: m[2] };
}

function call<T>(fn: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}
