/**
 * Merge one cluster's entries into the user's kubeconfig files, and remove them again, touching nothing
 * else. See loading.ts for which file gets what.
 */
import { existsSync } from 'node:fs';
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

/** client-go's default file: the explicit one, else the first existing $KUBECONFIG entry, else the last. */
function defaultFile(t: KubeconfigTarget, loaded: Loaded[]): Loaded {
  if (t.explicit || t.envFiles.length <= 1) return loaded[0]!;
  return loaded.find((l) => l.cfg !== undefined || existsSync(l.file)) ?? loaded[loaded.length - 1]!;
}

function upsert(cfg: Kubeconfig, section: Section, entry: NamedEntry): void {
  const list = (cfg[section] ??= []);
  const i = list.findIndex((e) => e.name === entry.name);
  if (i >= 0) list[i] = entry;
  else list.push(entry);
}

async function withAllLocked<T>(files: string[], fn: () => Promise<T>): Promise<T> {
  const [first, ...rest] = files;
  if (!first) return fn();
  return withFileLock(first, () => withAllLocked(rest, fn));
}

export async function mergeEntries(t: KubeconfigTarget, entries: ClusterEntries, setCurrent: boolean): Promise<string[]> {
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
      const target = owner(loaded, section, entry.name) ?? fallback;
      target.cfg ??= emptyKubeconfig();
      upsert(target.cfg, section, entry);
      dirty.add(target);
    }
    if (setCurrent) {
      const target = loaded.find((l) => l.cfg?.['current-context']) ?? fallback;
      target.cfg ??= emptyKubeconfig();
      target.cfg['current-context'] = entries.context.name;
      dirty.add(target);
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
