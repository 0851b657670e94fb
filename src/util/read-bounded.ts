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
    if (st.isFile()) {
      if (st.size > max) return undefined;
      // A regular file: its size is known, so one read fills it (as readFileSync does).
      const buf = Buffer.allocUnsafe(st.size);
      let off = 0;
      while (off < st.size) {
        const n = readSync(fd, buf, off, st.size - off, null);
        if (n === 0) break;
        off += n;
      }
      return off === st.size ? buf : buf.subarray(0, off);
    }
    // A pipe or device: chunks, stopping one byte past the bound.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > max) return undefined;
      chunks.push(buf.subarray(0, n));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
