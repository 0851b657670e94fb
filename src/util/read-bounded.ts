/**
 * Reading a file someone else controls without letting its size hurt: through one descriptor (the same
 * system calls as readFileSync: open, fstat, read, close), refusing a regular file over the bound before
 * reading it, and reading a pipe (`-f <(...)`, /dev/stdin) only up to one byte past the bound.
 */
import { closeSync, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs';

/**
 * The bytes of `file`, or undefined when it holds more than `max`. fs errors (ENOENT, EISDIR, ...) are thrown.
 * `seen` gets the stats (ns precision) of the very file read, which a later stat of the path may not be.
 */
export function readBoundedSync(file: string, max: number, seen?: (st: BigIntStats) => void): Buffer | undefined {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd, { bigint: true });
    seen?.(st);
    if (st.isDirectory())
      throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${file}'`), { code: 'EISDIR' });
    if (st.isFile()) {
      if (st.size > BigInt(max)) return undefined;
      // A regular file: its size is known, so one read fills it (as readFileSync does).
      const size = Number(st.size);
      const buf = Buffer.allocUnsafe(size);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, buf, off, size - off, null);
        if (n === 0) break;
        off += n;
      }
      return off === size ? buf : buf.subarray(0, off);
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
