/**
 * The list index ($KSCTL_HOME/clusters/list-index.json): what `get clusters` shows of each cluster,
 * keyed by the identity of the state file it was read from, so listing hundreds of clusters stats
 * each state file instead of reading, decoding, migrating and checking it.
 *
 * It is a cache, never a source of truth:
 * - which clusters exist is always the directory listing; an entry is used only for a state file that
 *   is there and whose identity (device, inode, size, mtime and ctime in ns) is exactly the one recorded.
 *   State writes are atomic renames, so every write gives the file a new inode; an in-place edit
 *   changes its ctime, which no one can set back (utimes sets mtime, the kernel sets ctime).
 * - a file changed within RECENT_NS of being read is not recorded: two changes within one tick of the
 *   file system's clock could otherwise share a ctime (git's "racily clean" entries).
 * - an index that is unreadable, too large, not the user's own file, writable by others, of another
 *   format or schema, or an entry that is not exactly the expected shape, is ignored: the state file is
 *   then read and checked as if there were no index, and the index rewritten (best effort: a read-only
 *   home still lists).
 * - it holds the summary fields only (no kubeconfig, no key, no token: see ClusterSummary); mode 0600.
 */
import type { BigIntStats } from 'node:fs';
import { closeSync, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { STATE_SCHEMA_VERSION } from '../types.js';
import type { ClusterSummary } from '../summary.js';
import { writeFileAtomicSync } from './atomic.js';

/** Bumped whenever ClusterSummary or summaryOf changes: an index of another format is ignored. */
const FORMAT = 1;
/** A few hundred bytes per cluster: thousands of clusters fit; anything bigger is not ours. */
export const MAX_LIST_INDEX_BYTES = 4 * 1024 * 1024;
/** Changes closer than this to the read are not recorded (file system clock ticks are 1 ms to 2 s). */
const RECENT_NS = 2_000_000_000n;

/** The fields of a summary the index holds (name, provider and region come from the directory). */
export type IndexedFields = Omit<ClusterSummary, 'name' | 'provider' | 'region'>;

export interface IndexEntry {
  /** identityOf() of the state file the fields were read from. */
  file: string;
  fields: IndexedFields;
}

/** What identifies one version of a state file. */
export function identityOf(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** Whether a state file read with these stats may be recorded: a regular file, not changed just now. */
export function recordable(st: BigIntStats, nowMs = Date.now()): boolean {
  return st.isFile() && st.ctimeNs < BigInt(nowMs) * 1_000_000n - RECENT_NS;
}

const str = (v: unknown): v is string => typeof v === 'string';
const strOrNull = (v: unknown) => v === null || typeof v === 'string';
const count = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/**
 * The fields exactly as summaryOf gave them, or undefined when they are not of the plain types the
 * index can hold (a hand-edited state file with, say, an object as its worker count is then read
 * afresh each time, and printed exactly as the full read prints it).
 */
export function indexable(v: unknown): IndexedFields | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (o.type !== 'managed' && o.type !== 'selfmanaged') return undefined;
  if (!str(o.phase) || !strOrNull(o.distribution) || !strOrNull(o.kubernetesVersion) || !count(o.controlPlanes) || !count(o.workers) || !strOrNull(o.context) || !str(o.createdAt)) return undefined;
  // A fresh object: nothing but these fields, in summaryOf's order, whatever the file held.
  return {
    type: o.type,
    phase: o.phase,
    distribution: o.distribution as string | null,
    kubernetesVersion: o.kubernetesVersion as string | null,
    controlPlanes: o.controlPlanes as number,
    workers: o.workers as number,
    context: o.context as string | null,
    createdAt: o.createdAt,
  };
}

/** The index at `file`: key `provider/region/name` → raw entry (checked by lookup), or empty. */
export function readListIndex(file: string): Map<string, unknown> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return new Map();
  }
  try {
    const st = fstatSync(fd);
    // Only the user's own file, writable by no one else: anyone else's index is not believed.
    if (!st.isFile() || st.size > MAX_LIST_INDEX_BYTES || (st.mode & 0o022) !== 0 || (process.getuid && st.uid !== process.getuid())) return new Map();
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    for (let n; off < st.size && (n = readSync(fd, buf, off, st.size - off, null)) > 0; ) off += n;
    const doc: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, off)));
    if (typeof doc !== 'object' || doc === null) return new Map();
    const { format, schemaVersion, clusters } = doc as Record<string, unknown>;
    if (format !== FORMAT || schemaVersion !== STATE_SCHEMA_VERSION || typeof clusters !== 'object' || clusters === null || Array.isArray(clusters)) return new Map();
    return new Map(Object.entries(clusters));
  } catch {
    return new Map();
  } finally {
    closeSync(fd);
  }
}

/** The fields recorded for a state file with this identity, or undefined (no entry, another version, bad shape). */
export function lookup(raw: unknown, identity: string): IndexedFields | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const e = raw as Record<string, unknown>;
  return e.file === identity ? indexable(e.fields) : undefined;
}

/**
 * Replaces the index with `entries` (removes it when there are none). Best effort: a read-only or
 * full file system leaves the old index, which the identities keep harmless. No fsync: a torn index
 * after a crash does not parse and is ignored.
 */
export function writeListIndex(file: string, entries: Map<string, IndexEntry>): void {
  try {
    if (entries.size === 0) {
      unlinkSync(file);
      return;
    }
    const text = JSON.stringify({ format: FORMAT, schemaVersion: STATE_SCHEMA_VERSION, clusters: Object.fromEntries(entries) });
    if (Buffer.byteLength(text) > MAX_LIST_INDEX_BYTES) return;
    writeFileAtomicSync(file, text, 0o600, { sync: false });
  } catch {
    // A cache that cannot be written is a cache that is not used.
  }
}
