/**
 * Merge one cluster's entries into the user's kubeconfig files, and remove them again, touching nothing
 * else. See loading.ts for which file gets what.
 */
import { existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { emptyKubeconfig, readKubeconfig, withFileLock, writeKubeconfig } from './file.js';
import { precedence } from './loading.js';
import { SECTIONS, type Kubeconfig, type KubeconfigTarget, type NamedEntry, type Section } from './types.js';

export interface ClusterEntries {
  cluster: NamedEntry;
  user: NamedEntry;
  context: NamedEntry;
}

/** Renames the single cluster/user/context of a cluster's own kubeconfig to `name`. */
export function entriesFrom(cfg: Kubeconfig, name: string, file = 'kubeconfig'): ClusterEntries {
  const ctxName = cfg['current-context'] || cfg.contexts?.[0]?.name;
  const ctx = cfg.contexts?.find((c) => c.name === ctxName);
  const inner = (ctx?.context ?? {}) as { cluster?: string; user?: string; namespace?: string };
  const cluster = cfg.clusters?.find((c) => c.name === inner.cluster);
  const user = cfg.users?.find((u) => u.name === inner.user);
  if (!ctx || !cluster || !user) throw new Error(`${file} has no complete context (cluster, user and context)`);
  return {
    cluster: { ...cluster, name },
    user: { ...user, name },
    context: { name, context: { ...inner, cluster: name, user: name } },
  };
}

type Loaded = { file: string; cfg: Kubeconfig | undefined };

async function loadAll(files: string[]): Promise<Loaded[]> {
  return Promise.all(files.map(async (file) => ({ file, cfg: await readKubeconfig(file) })));
}

function owner(loaded: Loaded[], section: Section, name: string): Loaded | undefined {
  return loaded.find((l) => l.cfg?.[section]?.some((e) => e.name === name));
}

/**
 * The file kubectl writes new entries and current-context into (client-go `PathOptions.GetDefaultFilename`):
 * the explicit one; else a single $KUBECONFIG entry; else the first $KUBECONFIG file that exists, or the
 * last one when none does; else ~/.kube/config.
 */
function defaultFile(t: KubeconfigTarget, loaded: Loaded[]): Loaded {
  if (t.explicit || t.envFiles.length <= 1) return loaded[0]!;
  return loaded.find((l) => l.cfg !== undefined || existsSync(l.file)) ?? loaded[loaded.length - 1]!;
}

/** Sets the entry; false when it is already there exactly as given (nothing to write). */
function upsert(cfg: Kubeconfig, section: Section, entry: NamedEntry): boolean {
  const list = (cfg[section] ??= []);
  const i = list.findIndex((e) => e.name === entry.name);
  if (i >= 0 && isDeepStrictEqual(list[i], entry)) return false;
  if (i >= 0) list[i] = entry;
  else list.push(entry);
  return true;
}

/** Locks every file, in sorted order as client-go's ModifyConfig does, so ksctl and kubectl never deadlock. */
async function withAllLocked<T>(files: string[], fn: () => Promise<T>): Promise<T> {
  const [first, ...rest] = [...files].sort();
  if (!first) return fn();
  return withFileLock(first, () => withAllLocked(rest, fn));
}

/** kubectl's merged current-context: the first file that sets a non-empty one. */
const mergedCurrent = (loaded: Loaded[]) => loaded.find((l) => l.cfg?.['current-context'])?.cfg?.['current-context'];

export async function mergeEntries(
  t: KubeconfigTarget,
  entries: ClusterEntries,
  setCurrent: boolean,
): Promise<string[]> {
  const files = precedence(t);
  return withAllLocked(files, async () => {
    const loaded = await loadAll(files);
    const dirty = new Set<Loaded>();
    const fallback = defaultFile(t, loaded);
    for (const [section, entry] of [
      ['clusters', entries.cluster],
      ['users', entries.user],
      ['contexts', entries.context],
    ] as const) {
      // A changed entry goes back to the file that defines it, a new one to the default file.
      const target = owner(loaded, section, entry.name) ?? fallback;
      target.cfg ??= emptyKubeconfig();
      if (upsert(target.cfg, section, entry)) dirty.add(target);
    }
    // Like `kubectl config use-context`: into the default file, and only when it changes what kubectl sees.
    if (setCurrent && mergedCurrent(loaded) !== entries.context.name) {
      fallback.cfg ??= emptyKubeconfig();
      fallback.cfg['current-context'] = entries.context.name;
      dirty.add(fallback);
    }
    for (const l of dirty) await writeKubeconfig(l.file, l.cfg!);
    return [...dirty].map((l) => l.file);
  });
}

/** Removes the named entries wherever they are defined; clears current-context if it pointed at them. */
export async function removeEntries(t: KubeconfigTarget, name: string): Promise<string[]> {
  const files = precedence(t).filter((f) => existsSync(f));
  return withAllLocked(files, async () => {
    const loaded = await loadAll(files);
    const changed: Loaded[] = [];
    for (const l of loaded) {
      if (!l.cfg) continue;
      let dirty = false;
      for (const section of SECTIONS) {
        const list = l.cfg[section];
        if (list?.some((e) => e.name === name)) {
          l.cfg[section] = list.filter((e) => e.name !== name);
          dirty = true;
        }
      }
      if (l.cfg['current-context'] === name) {
        l.cfg['current-context'] = '';
        dirty = true;
      }
      if (dirty) changed.push(l);
    }
    for (const l of changed) await writeKubeconfig(l.file, l.cfg!);
    return changed.map((l) => l.file);
  });
}

/** The current context as kubectl sees it: the first file that sets one. */
export async function currentContext(t: KubeconfigTarget): Promise<string | undefined> {
  for (const l of await loadAll(precedence(t))) {
    if (l.cfg?.['current-context']) return l.cfg['current-context'];
  }
  return undefined;
}
