/**
 * SshSession over a pooled connection: builds the remote invocation (sudo, env, stdin), runs it,
 * redacts what it reports and turns failures into ProviderErrors that name the machine and command.
 */
import type { Writable } from 'node:stream';
import type { SFTPWrapper } from 'ssh2';
import { ProviderError } from '../../errors.js';
import type { Logger } from '../../util/log.js';
import { buildInvocation, type SudoMode } from './command.js';
import type { Connection } from './connection.js';
import { openExec, runChannel, type RawResult } from './exec.js';
import { makeRedactor } from './redactor.js';
import { streamChannel, type StreamResult } from './stream.js';
import { download, downloadTo, upload, usesSudo, type TransferHost } from './transfer.js';
import type { ExecOptions, ExecResult, SshSession, SshTarget, UploadData, UploadOptions } from './types.js';

/** Default per-command timeout: 10 minutes. */
export const DEFAULT_EXEC_TIMEOUT_MS = 600_000;
/** The remote `timeout` kill lands this long after our own timer, which is the one that reports. */
const REMOTE_GRACE_MS = 250;
const TAIL_LINES = 20;

type RunOptions = ExecOptions & { allowFailure?: boolean };

export class PooledSession implements SshSession, TransferHost {
  constructor(
    readonly target: SshTarget,
    readonly connection: Connection,
    private readonly logger: Logger,
    private readonly onClose: () => void,
  ) {}

  get hostKey(): string {
    return this.connection.hostKey;
  }

  async exec(command: string, opts: RunOptions = {}): Promise<ExecResult> {
    const raw = await this.execRaw(command, opts, true);
    return { code: raw.code, stdout: raw.stdout.toString('utf8'), stderr: raw.stderr.toString('utf8') };
  }

  upload(remotePath: string, data: UploadData, opts?: UploadOptions): Promise<void> {
    return upload(this, remotePath, data, opts);
  }

  download(remotePath: string, opts?: { sudo?: boolean }): Promise<Buffer> {
    return download(this, remotePath, opts);
  }

  downloadTo(remotePath: string, sink: Writable, opts?: { sudo?: boolean; signal?: AbortSignal }): Promise<number> {
    return downloadTo(this, remotePath, sink, opts);
  }

  close(): void {
    this.connection.end();
    this.onClose();
  }

  /** For transfers: a command whose output may be binary, failing on a non-zero exit. */
  run(command: string, sudo: boolean): Promise<RawResult> {
    return this.execRaw(command, { sudo }, false);
  }

  /** For streamed transfers: the command's stdout into `sink` as it arrives (no timeout: a file takes what it takes). */
  runInto(command: string, sudo: boolean, sink: Writable, signal?: AbortSignal): Promise<StreamResult> {
    const mode: SudoMode = !sudo ? 'none' : this.target.sudoPassword ? 'password' : 'passwordless';
    const inv = buildInvocation(command, { sudo: mode, password: this.target.sudoPassword });
    const label = `machine "${this.target.name}": command "${firstLine(command)}"`;
    return this.connection.withChannel(
      signal,
      (client) => openExec(client, inv.commandLine),
      (ch) => streamChannel(ch, inv, sink, { signal, label }),
    );
  }

  withSftp<T>(fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    return this.connection.withChannel(
      undefined,
      (client) =>
        new Promise<SFTPWrapper>((resolve, reject) => {
          try {
            client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp)));
          } catch (err) {
            reject(err);
          }
        }),
      async (sftp) => {
        try {
          return await fn(sftp);
        } finally {
          sftp.end();
        }
      },
    );
  }

  private async execRaw(command: string, opts: RunOptions, lines: boolean): Promise<RawResult> {
    const { target } = this;
    const sudo: SudoMode = !usesSudo(target, opts.sudo) ? 'none' : target.sudoPassword ? 'password' : 'passwordless';
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const inv = buildInvocation(command, {
      sudo,
      password: target.sudoPassword,
      env: opts.env,
      remoteDeadlineMs: timeoutMs > 0 && Number.isFinite(timeoutMs) ? timeoutMs + REMOTE_GRACE_MS : undefined,
    });
    const redactor = makeRedactor([...(opts.secrets ?? []), target.sudoPassword]);
    const first = redactor(firstLine(command));
    const label = `machine "${target.name}": command "${first}"`;
    this.logger.debug(`$ ${first}${sudo === 'none' ? '' : ' (sudo)'}`);

    const onLine = lines
      ? (line: string, stream: 'stdout' | 'stderr'): void => {
          const clean = redactor(line);
          this.logger.debug(`${stream === 'stderr' ? '!' : '|'} ${clean}`);
          try {
            opts.onLine?.(clean, stream);
          } catch (err) {
            // A throwing callback must not break ssh2's parser (it runs inside its data handler).
            this.logger.warn(`onLine callback failed: ${(err as Error).message}`);
          }
        }
      : undefined;
    const started = Date.now();
    const raw = await this.connection.withChannel(
      opts.signal,
      (client) => openExec(client, inv.commandLine),
      (ch) => runChannel(ch, inv, { stdin: opts.stdin, timeoutMs, signal: opts.signal, onLine, label }),
    );
    this.logger.debug(`exit ${raw.exitSignal ?? raw.code} after ${Date.now() - started} ms`);
    if ((raw.code !== 0 || raw.exitSignal) && !opts.allowFailure) throw failure(label, raw, redactor);
    return raw;
  }
}

function failure(label: string, raw: RawResult, redactor: (s: string) => string): ProviderError {
  const stderr = raw.stderr.toString('utf8');
  const tail = lastLines(redactor(stderr.trim() ? stderr : raw.stdout.toString('utf8')), TAIL_LINES);
  const how = raw.exitSignal ? `was killed by signal ${raw.exitSignal}` : `exited with code ${raw.code}`;
  let hint: string | undefined;
  if (/sudo: a password is required/.test(stderr)) {
    hint = 'the user needs passwordless sudo, or give the machine a sudoPassword';
  } else if (/sudo: .*incorrect password|Sorry, try again/.test(stderr)) {
    hint = "check the machine's sudoPassword";
  }
  return new ProviderError(`${label} ${how}${tail ? `:\n${tail}` : ''}`, { hint });
}

function firstLine(command: string): string {
  const line = command.trim().split('\n')[0] ?? '';
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
