/** A directory on the operator's machine: 0700, bundles and manifests 0600, written atomically. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeFileAtomic } from '../../state/local/atomic.js';
import { KEY, type BackupStorage } from './types.js';

export class LocalStorage implements BackupStorage {
  constructor(
    private readonly dir: string,
    readonly url: string,
  ) {}

  private file(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid backup object name ${key}`);
    return path.join(this.dir, key);
  }

  async put(key: string, data: Buffer): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await fs.chmod(this.dir, 0o700);
    await writeFileAtomic(this.file(key), data, 0o600);
    await fs.chmod(this.file(key), 0o600); // the umask must not widen it
  }

  async putStream(key: string, body: Readable, length: number): Promise<void> {
    const file = this.file(key);
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await fs.chmod(this.dir, 0o700);
    const tmp = path.join(this.dir, `.${key}.${process.pid}.tmp`);
    try {
      const fh = await fs.open(tmp, 'w', 0o600);
      await pipeline(body, fh.createWriteStream({ flush: true }));
      const { size } = await fs.stat(tmp);
      if (size !== length) throw new Error(`${key}: wrote ${size} bytes, expected ${length}`);
      await fs.chmod(tmp, 0o600); // the umask must not widen it
      await fs.rename(tmp, file);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    const dir = await fs.open(this.dir, 'r');
    await dir.sync().finally(() => dir.close()); // the rename itself durable, as writeFileAtomic does
  }

  async getStream(key: string): Promise<Readable | undefined> {
    const fh = await fs.open(this.file(key), 'r').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    return fh?.createReadStream();
  }

  async get(key: string): Promise<Buffer | undefined> {
    return fs.readFile(this.file(key)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
  }

  async list(): Promise<string[]> {
    const names = await fs.readdir(this.dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [] as string[];
      throw e;
    });
    return names.filter((n) => KEY.test(n)).sort();
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }
}
