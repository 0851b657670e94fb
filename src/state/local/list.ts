/**
 * Listing every cluster (`get clusters`): the directory tree says which clusters exist; each one's
 * summary comes from the list index when its state file is exactly the one the index recorded (one
 * stat), else from reading the state file in full, after which the index is rewritten.
 */
import { readdirSync, statSync, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { PROVIDERS, type ClusterId } from '../../api/types.js';
import { summaryOf, type ClusterSummary } from '../summary.js';
import {
  entryOf,
  identityOf,
  lookup,
  readListIndex,
  recordable,
  summaryFrom,
  writeListIndex,
  type IndexEntry,
} from './list-index.js';
import { LIST_INDEX_FILE, STATE_FILE, clustersDir } from './paths.js';
import { readStateFile } from './read-state.js';

export interface Listing {
  clusters: ClusterSummary[];
  /** State files that exist but could not be read; `get clusters` warns about each. */
  problems: { id: ClusterId; error: string }[];
}

const STAT = { bigint: true, throwIfNoEntry: false } as const;

/** `nowMs`: the clock that decides which state files changed too recently to record (tests move it). */
export function listSummaries(root: string, nowMs = Date.now()): Listing {
  const base = clustersDir(root);
  const indexFile = path.join(base, LIST_INDEX_FILE);
  const index = readListIndex(indexFile);
  const next = new Map<string, IndexEntry>();
  let added = false;
  const clusters: ClusterSummary[] = [];
  const problems: Listing['problems'] = [];
  const sep = path.sep;
  for (const id of allIds(base)) {
    const key = `${id.provider}/${id.region}/${id.name}`;
    // The parts are directory entries (no separators, not "." or ".."): joined as path.join would,
    // without normalising hundreds of paths on the way.
    const file = `${base}${sep}${id.provider}${sep}${id.region}${sep}${id.name}${sep}${STATE_FILE}`;
    if (Object.hasOwn(index.entries, key)) {
      let st: BigIntStats | undefined;
      try {
        st = statSync(file, STAT);
        if (!st) continue; // the state file is gone: no cluster (and no entry)
      } catch {
        // read it in full below, which reports what is wrong
      }
      const entry = st && lookup(index, key, identityOf(st));
      if (entry) {
        next.set(key, entry);
        clusters.push(summaryFrom(id, entry));
        continue;
      }
    }
    let seen: BigIntStats | undefined;
    try {
      const state = readStateFile(file, id, (st) => (seen = st));
      if (!state) continue; // a directory without a state file is no cluster
      const summary = summaryOf(state);
      clusters.push(summary);
      const entry = seen && recordable(seen, nowMs) ? entryOf(identityOf(seen), summary) : undefined;
      if (entry) {
        next.set(key, entry);
        added = true;
      }
    } catch (e) {
      problems.push({ id, error: (e as Error).message });
    }
  }
  // Every entry kept was used as it was: the index changed only if one was added or one is gone.
  if (added || next.size !== index.size) writeListIndex(indexFile, next);
  clusters.sort(listOrder(clusters));
  return { clusters, problems };
}

/** Every cluster directory (one without a state file is skipped when it is read). */
function allIds(base: string): ClusterId[] {
  const out: ClusterId[] = [];
  for (const provider of PROVIDERS) {
    for (const region of dirs(path.join(base, provider))) {
      for (const name of dirs(path.join(base, provider, region))) out.push({ provider, region, name });
    }
  }
  return out;
}

/** The subdirectories of `p`, or none when it cannot be listed. */
export function dirs(p: string): string[] {
  try {
    return readdirSync(p, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

/**
 * `get clusters` order: by name, provider, region as `localeCompare` orders `name\0provider\0region`.
 * For names made of [a-z0-9-] (every valid one) that order is plain code-unit order of the three joined
 * (ICU ignores NUL and sorts `-` before digits before letters), which spares loading ICU's collator at
 * start-up; anything else still goes through localeCompare.
 */
export function listOrder(ids: readonly ClusterId[]): (a: ClusterId, b: ClusterId) => number {
  const joined = (id: ClusterId) => `${id.name}${id.provider}${id.region}`;
  // Each key built once, not twice per comparison.
  const keys = new Map<ClusterId, string>();
  for (const id of ids) keys.set(id, joined(id));
  if ([...keys.values()].every((k) => /^[a-z0-9-]*$/.test(k))) {
    return (a, b) => {
      const x = keys.get(a) ?? joined(a);
      const y = keys.get(b) ?? joined(b);
      return x < y ? -1 : x > y ? 1 : 0;
    };
  }
  const key = (id: ClusterId) => `${id.name}\0${id.provider}\0${id.region}`;
  return (a, b) => key(a).localeCompare(key(b));
}
