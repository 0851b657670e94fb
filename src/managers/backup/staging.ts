/**
 * Files between steps on the operator's machine: the plain snapshot waits here (0600 in a 0700
 * directory beside the cluster's state) from the step that fetched it to the step that encrypts or
 * uploads it, so a re-run after a crash does not fetch it again. Removed when the operation ends.
 * Not fsynced: a staged file is a cache that readers check against its SHA-256 (`readChecked`) and
 * fetch again when it is missing or torn, so durability would only cost time (≈0.3 s for 20 MiB).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export class Staging {
  readonly dir: string;
  constructor(clusterDir: string) {
    this.dir = path.join(clusterDir, 'backup-staging');
  }

  async write(name: string, data: Buffer | string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await fs.chmod(this.dir, 0o700);
    const file = path.join(this.dir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, data, { mode: 0o600 });
    await fs.rename(tmp, file);
  }

  /** The file when present and its SHA-256 is `sha256`, else undefined. */
  async readChecked(name: string, sha256: string): Promise<Buffer | undefined> {
    const b = await this.read(name);
    return b && createHash('sha256').update(b).digest('hex') === sha256 ? b : undefined;
  }

  async read(name: string): Promise<Buffer | undefined> {
    return fs.readFile(path.join(this.dir, name)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
  }

  async remove(prefix: string): Promise<void> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    for (const n of names) if (n.startsWith(prefix)) await fs.rm(path.join(this.dir, n), { force: true });
  }
}
