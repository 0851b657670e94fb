/**
 * Crash-safe file replacement: write a temp file beside the target, fsync it, rename over the target,
 * fsync the directory. A reader sees the old file or the new one, never half of either.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

let counter = 0;

export interface AtomicWriteOptions {
  /** fsync the directory after the rename (default true): makes the rename itself durable. */
  syncDir?: boolean;
}

export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o644, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${(counter++).toString(36)}.tmp`);
  const fh = await fs.open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  if (opts.syncDir !== false) await fsyncDir(dir);
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
