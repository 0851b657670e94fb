/**
 * Reading and writing one kubeconfig file. Writes are atomic and 0600, under kubectl's own lock file
 * convention (`<file>.lock`, created exclusively) so ksctl and kubectl never interleave writes.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { MAX_KUBECONFIG_BYTES } from '../api/limits.js';
import { decodeUtf8, parseYamlSafely } from '../api/yaml-guard.js';
import { InputError, LockedError } from '../errors.js';
import { writeFileAtomic } from '../state/local/atomic.js';
import type { Kubeconfig } from './types.js';

export async function readKubeconfig(file: string): Promise<Kubeconfig | undefined> {
  let bytes: Buffer;
  try {
    const st = await fs.stat(file);
    if (st.isFile() && st.size > MAX_KUBECONFIG_BYTES) {
      throw new InputError(`kubeconfig ${file} is ${st.size} bytes; at most ${MAX_KUBECONFIG_BYTES} are read (it was left untouched)`, ['--kubeconfig']);
    }
    bytes = await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return parseKubeconfig(decodeUtf8(bytes, file, '--kubeconfig', MAX_KUBECONFIG_BYTES), file);
}

/** A kubeconfig ksctl will merge into: YAML read within bounds, a mapping whose lists are lists. */
export function parseKubeconfig(text: string, file = 'kubeconfig'): Kubeconfig {
  const doc = text.trim() === '' ? {} : parseYamlSafely(text, file, '--kubeconfig');
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(`${file} is not a kubeconfig (expected a mapping); it was left untouched`, ['--kubeconfig']);
  for (const key of ['clusters', 'users', 'contexts'] as const) {
    const list = (doc as Record<string, unknown>)[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list) || !list.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e) && typeof (e as { name?: unknown }).name === 'string')) {
      throw new InputError(`${file} is not a kubeconfig: ${key} must be a list of named entries; it was left untouched`, ['--kubeconfig']);
    }
  }
  const current = (doc as Record<string, unknown>)['current-context'];
  if (current !== undefined && current !== null && typeof current !== 'string') {
    throw new InputError(`${file} is not a kubeconfig: current-context must be a string; it was left untouched`, ['--kubeconfig']);
  }
  return doc as Kubeconfig;
}

export function emptyKubeconfig(): Kubeconfig {
  return { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], 'current-context': '', preferences: {} };
}

export async function writeKubeconfig(file: string, cfg: Kubeconfig): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const text = stringify(cfg, { lineWidth: 0 });
  await writeFileAtomic(file, text, 0o600);
  await fs.chmod(file, 0o600);
}

/** Runs `fn` while holding `<file>.lock` (kubectl's convention), waiting briefly for another writer. */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + 5000;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    try {
      await (await fs.open(lock, 'wx', 0o600)).close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() > deadline) {
        throw new LockedError(`${file} is locked by another writer (${lock} exists)`, { hint: `if no kubectl or ksctl is running, remove ${lock}` });
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { force: true });
  }
}
