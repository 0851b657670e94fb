/**
 * Reading a file someone else controls without letting its size hurt: through one descriptor (the same
 * system calls as readFileSync: open, fstat, read, close), refusing a regular file over the bound before
 * reading it, and reading a pipe (`-f <(...)`, /dev/stdin) only up to one byte past the bound.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The bytes of `file`, or undefined when it holds more than `max`. fs errors (ENOENT, EISDIR, ...) are thrown. */
export function readBoundedSync(file: string, max: number): Buffer | undefined {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${file}'`), { code: 'EISDIR' });
    if (st.isFile() && st.size > max) return undefined;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(st.isFile() ? Math.min(st.size, max) + 1 : 64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > max) return undefined;
      chunks.push(buf.subarray(0, n));
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
