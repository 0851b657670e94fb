/**
 * Reading and writing one kubeconfig file. Reads as kubectl does (YAML 1.1), writes so kubectl reads
 * back exactly what was meant (util/yaml-write.ts). Writes are atomic and 0600, under kubectl's own lock
 * file convention (`<file>.lock`, created exclusively) so ksctl and kubectl never interleave writes.
 */
// Synchronous file calls: a kubeconfig is small, and `switch` is faster without a thread-pool round trip per call.
import { chmodSync, closeSync, mkdirSync, openSync, realpathSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { MAX_KUBECONFIG_BYTES, MAX_YAML_DEPTH } from '../api/limits.js';
import { decodeUtf8, yamlDepth } from '../api/text-bounds.js';
import { InputError, LockedError } from '../errors.js';
import { writeFileAtomicSync } from '../state/local/atomic.js';
import { readBoundedSync } from '../util/read-bounded.js';
import { parseYaml11 } from '../util/yaml-read.js';
import { toYaml } from '../util/yaml-write.js';
import type { Kubeconfig } from './types.js';

export async function readKubeconfig(file: string): Promise<Kubeconfig | undefined> {
  let bytes: Buffer;
  try {
    // Bounded: a runaway file is refused, never loaded whole.
    const read = readBoundedSync(file, MAX_KUBECONFIG_BYTES);
    if (!read)
      throw new InputError(
        `kubeconfig ${file} is larger than ${MAX_KUBECONFIG_BYTES} bytes; at most that is read (it was left untouched)`,
        ['--kubeconfig'],
      );
    bytes = read;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return parseKubeconfig(decodeUtf8(bytes, file, '--kubeconfig', MAX_KUBECONFIG_BYTES), file);
}

/** A kubeconfig ksctl will merge into: YAML 1.1 as kubectl reads it, within bounds, a mapping whose lists are lists. */
export async function parseKubeconfig(text: string, file = 'kubeconfig'): Promise<Kubeconfig> {
  // The parsers recurse per level: deep nesting is refused before either runs (aliases are capped by the full one).
  const depth = yamlDepth(text);
  if (depth > MAX_YAML_DEPTH)
    throw new InputError(
      `${file} nests ${depth} levels deep; at most ${MAX_YAML_DEPTH} are read (it was left untouched)`,
      ['--kubeconfig'],
    );
  let doc: unknown;
  try {
    doc = text.trim() === '' ? {} : await parseYaml11(text);
  } catch (e) {
    throw new InputError(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`, ['--kubeconfig']);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new InputError(`${file} is not a kubeconfig (expected a mapping); it was left untouched`, ['--kubeconfig']);
  for (const key of ['clusters', 'users', 'contexts'] as const) {
    const list = (doc as Record<string, unknown>)[key];
    if (list === undefined || list === null) continue;
    if (
      !Array.isArray(list) ||
      !list.every(
        (e) =>
          typeof e === 'object' &&
          e !== null &&
          !Array.isArray(e) &&
          typeof (e as { name?: unknown }).name === 'string',
      )
    ) {
      throw new InputError(
        `${file} is not a kubeconfig: ${key} must be a list of named entries; it was left untouched`,
        ['--kubeconfig'],
      );
    }
  }
  const current = (doc as Record<string, unknown>)['current-context'];
  if (current !== undefined && current !== null && typeof current !== 'string') {
    throw new InputError(`${file} is not a kubeconfig: current-context must be a string; it was left untouched`, [
      '--kubeconfig',
    ]);
  }
  return doc as Kubeconfig;
}

export function emptyKubeconfig(): Kubeconfig {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [],
    users: [],
    contexts: [],
    'current-context': '',
    preferences: {},
  };
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
        throw new LockedError(`${file} is locked by another writer (${lock} exists)`, {
          hint: `if no kubectl or ksctl is running, remove ${lock}`,
        });
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
      // A lock file that stays blocks every later write of this kubeconfig: that is the error to report.
      // eslint-disable-next-line no-unsafe-finally
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}
