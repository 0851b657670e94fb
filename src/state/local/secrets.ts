/**
 * Secrets as files of mode 0600 in a 0700 directory beside the state. Names may contain one level of
 * folders (`ssh/id_ed25519`, `hostkeys/cp-0`). Every value read or written is registered with the
 * redactor so it can never reach a log line or an error message.
 */
import { promises as fs, readFileSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../errors.js';
import { registerSecret } from '../../util/redact.js';
import type { SecretStore } from '../types.js';
import { writeFileAtomic } from './atomic.js';

const NAME = /^[a-zA-Z0-9._-]+(\/[a-zA-Z0-9._-]+)?$/;

export class FileSecretStore implements SecretStore {
  constructor(private readonly dir: string) {}

  path(name: string): string {
    if (!NAME.test(name) || name.split('/').includes('..')) throw new InputError(`invalid secret name "${name}"`);
    return path.join(this.dir, name);
  }

  async put(name: string, data: string | Buffer): Promise<void> {
    const file = this.path(name);
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await fs.chmod(this.dir, 0o700);
    registerSecret(data.toString());
    await writeFileAtomic(file, data, 0o600);
    await fs.chmod(file, 0o600); // the umask must not widen it
  }

  async get(name: string): Promise<string | undefined> {
    try {
      // Synchronous: `switch` reads one small secret on its start-up path.
      const v = readFileSync(this.path(name), 'utf8');
      registerSecret(v);
      return v;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async has(name: string): Promise<boolean> {
    return fs.access(this.path(name)).then(
      () => true,
      () => false,
    );
  }

  async delete(name: string): Promise<void> {
    await fs.rm(this.path(name), { force: true });
  }

  async list(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        if (e.isDirectory()) await walk(path.join(dir, e.name), `${prefix}${e.name}/`);
        else out.push(`${prefix}${e.name}`);
      }
    };
    await walk(this.dir, '');
    return out.sort();
  }
}
