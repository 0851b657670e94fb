/**
 * Command output straight to file descriptor 1. Creating `process.stdout` loads Node's stream, net and
 * tty modules (≈2 ms, measured with --cpu-prof on `get clusters`), which the commands people run many
 * times a day would otherwise pay for just to print a table.
 */
import { writeSync } from 'node:fs';

export function writeStdout(text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(1, buf, off);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // The reader went away (`ksctl get clusters | head -1`): nothing more to say to it.
    if (code === 'EPIPE') return;
    // A non-blocking descriptor that is full: the stream queues the rest.
    if (code === 'EAGAIN') {
      process.stdout.write(buf.subarray(off));
      return;
    }
    throw e;
  }
}
