/**
 * Reading and writing one kubeconfig file. Reads as kubectl does (YAML 1.1), writes so kubectl reads
 * back exactly what was meant (util/yaml-write.ts). Writes are atomic and 0600, under kubectl's own lock
 * file convention (`<file>.lock`, created exclusively) so ksctl and kubectl never interleave writes.
 */
// Synchronous file calls: a kubeconfig is small, and `switch` is faster without a thread-pool round trip per call.
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, realpathSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { InputError, LockedError } from '../errors.js';
import { writeFileAtomicSync } from '../state/local/atomic.js';
import { parseYaml11 } from '../util/yaml-read.js';
import { toYaml } from '../util/yaml-write.js';
import type { Kubeconfig } from './types.js';

export async function readKubeconfig(file: string): Promise<Kubeconfig | undefined> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return parseKubeconfig(text, file);
}

export async function parseKubeconfig(text: string, file = 'kubeconfig'): Promise<Kubeconfig> {
  let doc: unknown;
  try {
    doc = text.trim() === '' ? {} : await parseYaml11(text);
  } catch (e) {
    throw new InputError(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`, ['--kubeconfig']);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(`${file} is not a kubeconfig`, ['--kubeconfig']);
  return doc as Kubeconfig;
}

export function emptyKubeconfig(): Kubeconfig {
  return { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], 'current-context': '', preferences: {} };
}

/** The text ksctl writes for a kubeconfig. */
export function kubeconfigText(cfg: Kubeconfig): string {
  return toYaml(cfg);
}

export async function writeKubeconfig(file: string, cfg: Kubeconfig): Promise<void> {
  // Through a symlinked kubeconfig (dotfiles) to its target, as kubectl writes it: never replace the link.
  let target = file;
  try {
    target = realpathSync.native(file);
  } catch {
    // not there yet
  }
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  // No directory fsync: after a crash either the old or the new file is there, and both are whole.
  writeFileAtomicSync(target, kubeconfigText(cfg), 0o600, { syncDir: false });
  chmodSync(target, 0o600);
}

/** Runs `fn` while holding `<file>.lock` (kubectl's convention), waiting briefly for another writer. */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + 5000;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
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
    try {
      unlinkSync(lock); // not rmSync: its recursive machinery costs `switch` milliseconds
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}
