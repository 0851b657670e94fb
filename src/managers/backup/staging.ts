/**
 * Files between steps on the operator's machine, 0600 in a 0700 directory beside the cluster's state,
 * removed when the operation ends: a backup's manifest between the step that stored its bundle and the
 * one that stores the manifest; a restore's decrypted snapshot (streamed in, renamed into place only
 * after its GCM tag verified) from the fetch step to the steps that copy it to the members, so a re-run
 * after a crash does not fetch it again. Not fsynced: readers check a staged file against its SHA-256
 * and fetch again when it is missing or torn, so durability would only cost time.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export class Staging {
  readonly dir: string;
  constructor(clusterDir: string) {
    this.dir = path.join(clusterDir, 'backup-staging');
  }

  /** Where `name` is staged; the directory exists (0700) once this resolves. */
  async path(name: string): Promise<string> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await fs.chmod(this.dir, 0o700);
    return path.join(this.dir, name);
  }

  async write(name: string, data: Buffer | string): Promise<void> {
    const file = await this.path(name);
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, data, { mode: 0o600 });
    await fs.rename(tmp, file);
  }

  /** SHA-256 of a staged file, read in chunks (it may be gigabytes); undefined when absent. */
  async sha256(name: string): Promise<string | undefined> {
    const h = createHash('sha256');
    try {
      await pipeline(createReadStream(path.join(this.dir, name)), h);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    return h.digest('hex');
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
