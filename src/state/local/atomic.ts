/**
 * Crash-safe file replacement: write a temp file beside the target, fsync it, rename over the target,
 * fsync the directory. A reader sees the old file or the new one, never half of either.
 */
import { closeSync, fsyncSync, openSync, promises as fs, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

let counter = 0;

export interface AtomicWriteOptions {
  /** fsync the directory after the rename (default true): makes the rename itself durable. */
  syncDir?: boolean;
  /** fsync the file before the rename (default true); false for caches, which are checked when read. */
  sync?: boolean;
}

export async function writeFileAtomic(
  file: string,
  data: string | Buffer,
  mode = 0o644,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${(counter++).toString(36)}.tmp`,
  );
  const fh = await fs.open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    if (opts.sync !== false) await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  if (opts.syncDir !== false && opts.sync !== false) await fsyncDir(dir);
}

async function fsyncDir(dir: string): Promise<void> {
  let dh: fs.FileHandle | undefined;
  try {
    dh = await fs.open(dir, 'r');
    await dh.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic there.
  } finally {
    await dh?.close();
  }
}

/** The same, synchronously: for small files on the start-up path of read-mostly commands (`switch`). */
export function writeFileAtomicSync(
  file: string,
  data: string | Buffer,
  mode = 0o644,
  opts: AtomicWriteOptions = {},
): void {
  const dir = path.dirname(file);
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${(counter++).toString(36)}.tmp`,
  );
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeFileSync(fd, data);
    if (opts.sync !== false) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  if (opts.syncDir !== false && opts.sync !== false) {
    try {
      const dfd = openSync(dir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    } catch {
      // as in fsyncDir
    }
  }
}
