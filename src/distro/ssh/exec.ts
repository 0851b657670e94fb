/**
 * Running one invocation on an open connection: stream lines as they arrive, collect the output,
 * enforce the timeout (close the channel; the remote deadline kills) and honour the abort signal.
 */
import type { Client, ClientChannel } from 'ssh2';
import { ProviderError } from '../../errors.js';
import { formatDuration, interrupted } from './backoff.js';
import type { Invocation } from './command.js';
import { LineSplitter } from './lines.js';

/** `timeout -s KILL` reports a kill as 128 + 9. */
const KILLED = 137;

export interface RunOptions {
  stdin?: string | Buffer;
  /** 0 or Infinity: no timeout. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Receives whole lines; omitted for binary output (downloads). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** `machine "w-1": command "apt-get update"`, for messages. */
  label: string;
}

export interface RawResult {
  /** Exit status; 128 + signal number style is not guessed: a signal death is -1. */
  code: number;
  /** Set when the remote process died from a signal. */
  exitSignal?: string;
  stdout: Buffer;
  stderr: Buffer;
}

/** Opens an exec channel. Failures here mean the command never started, so a retry is safe. */
export function openExec(client: Client, commandLine: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(commandLine, (err, ch) => (err ? reject(err) : resolve(ch)));
    } catch (err) {
      reject(err); // "Not connected"
    }
  });
}

export function runChannel(ch: ClientChannel, inv: Invocation, opts: RunOptions): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const outLines = opts.onLine ? new LineSplitter((l) => opts.onLine!(l, 'stdout')) : undefined;
    const errLines = opts.onLine ? new LineSplitter((l) => opts.onLine!(l, 'stderr')) : undefined;
    let code: number | undefined;
    let exitSignal: string | undefined;
    let openStreams = 2; // the channel's own close (after stdout ended) and stderr's close
    let settled = false;
    const started = Date.now();

    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (error) return reject(error);
      outLines?.end();
      errLines?.end();
      if (code === undefined && exitSignal === undefined) {
        return reject(new ProviderError(`${opts.label}: the connection was lost before the command finished`));
      }
      if (
        timer &&
        (code === KILLED || exitSignal === 'SIGKILL' || exitSignal === 'KILL') &&
        Date.now() - started >= opts.timeoutMs
      ) {
        return reject(timedOut()); // the remote deadline won the race against our timer
      }
      resolve({ code: code ?? -1, exitSignal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    };
    // sshd cannot kill the command for us: it refuses "signal" requests for root sessions (no privilege
    // separation) and signals as the login user, which cannot reach a sudo'd root process. Closing the
    // channel stops us waiting; the remote `timeout` deadline (command.ts) kills the process.
    const onAbort = (): void => {
      ch.close();
      finish(interrupted(opts.signal!));
    };
    const timedOut = (): ProviderError =>
      new ProviderError(`${opts.label} timed out after ${formatDuration(opts.timeoutMs)}`);
    const streamClosed = (): void => {
      if (--openStreams === 0) finish();
    };

    const timer =
      opts.timeoutMs > 0 && Number.isFinite(opts.timeoutMs)
        ? setTimeout(() => {
            ch.close();
            finish(timedOut());
          }, opts.timeoutMs)
        : undefined;
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    ch.on('data', (b: Buffer) => {
      out.push(b);
      outLines?.push(b);
    });
    ch.stderr.on('data', (b: Buffer) => {
      err.push(b);
      errLines?.push(b);
    });
    ch.on('exit', (c: number | null, sig?: string) => {
      if (typeof c === 'number') code = c;
      else exitSignal = sig ?? 'unknown';
    });
    ch.on('error', (e: Error) => finish(new ProviderError(`${opts.label}: ${e.message}`, { cause: e })));
    ch.once('close', streamClosed);
    ch.stderr.once('close', streamClosed);

    const stdin = typeof opts.stdin === 'string' ? Buffer.from(opts.stdin, 'utf8') : opts.stdin;
    ch.end(stdin && stdin.length > 0 ? Buffer.concat([inv.preamble, stdin]) : inv.preamble);
  });
}
