/**
 * An exec channel whose stdout flows into a Writable as it arrives, for files too large to hold in
 * memory (etcd snapshots). `pipe` pauses the channel when the sink is full; ssh2 then stops granting
 * the server window, so the remote `cat` waits instead of our buffers growing.
 */
import type { Writable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { ProviderError } from '../../errors.js';
import { interrupted } from './backoff.js';
import type { Invocation } from './command.js';

export interface StreamResult {
  code: number;
  exitSignal?: string;
  /** stdout bytes written into the sink. */
  bytes: number;
  stderr: Buffer;
}

/** Runs the invocation on `ch`, its stdout into `sink` (left open: the caller ends it). */
export function streamChannel(
  ch: ClientChannel,
  inv: Invocation,
  sink: Writable,
  opts: { signal?: AbortSignal; label: string },
): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const err: Buffer[] = [];
    let bytes = 0;
    let code: number | undefined;
    let exitSignal: string | undefined;
    let open = 2;
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      sink.off('error', onSinkError);
      ch.unpipe(sink);
      if (error) {
        ch.close();
        return reject(error);
      }
      if (code === undefined && exitSignal === undefined)
        return reject(new ProviderError(`${opts.label}: the connection was lost before the transfer finished`));
      resolve({ code: code ?? -1, exitSignal, bytes, stderr: Buffer.concat(err) });
    };
    const onAbort = (): void => finish(interrupted(opts.signal!));
    // The sink failing (the upload behind it broke) stops the transfer; its error is the caller's to report.
    const onSinkError = (e: Error): void => finish(e);
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    sink.on('error', onSinkError);

    ch.on('data', (b: Buffer) => (bytes += b.length));
    ch.pipe(sink, { end: false });
    ch.stderr.on('data', (b: Buffer) => err.push(b));
    ch.on('exit', (c: number | null, sig?: string) => {
      if (typeof c === 'number') code = c;
      else exitSignal = sig ?? 'unknown';
    });
    ch.on('error', (e: Error) => finish(new ProviderError(`${opts.label}: ${e.message}`, { cause: e })));
    const closed = (): void => {
      if (--open === 0) finish();
    };
    ch.once('close', closed);
    ch.stderr.once('close', closed);
    ch.end(inv.preamble);
  });
}
