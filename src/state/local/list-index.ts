/**
 * The list index ($KSCTL_HOME/clusters/list-index.json): what `get clusters` shows of each cluster,
 * keyed by the identity of the state file it was read from, so listing hundreds of clusters stats
 * each state file instead of reading, decoding, migrating and checking it.
 *
 * It is a cache, never a source of truth:
 * - which clusters exist is always the directory listing; an entry is used only for a state file that
 *   is there and whose identity (device, inode, size, mtime and ctime in ns) is exactly the one recorded.
 *   State writes are atomic renames, so every write gives the file a new inode; an in-place edit
 *   changes its ctime, which no one can set back (utimes sets mtime; the kernel sets ctime from the
 *   clock, so only a clock stepped back could repeat one). The identity comes from the descriptor the
 *   file was read through, so a write during the read leaves an identity that no longer matches.
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
import type { ClusterId } from '../../api/types.js';
import type { ClusterSummary } from '../summary.js';
import { writeFileAtomicSync } from './atomic.js';

/** Bumped whenever ClusterSummary or summaryOf changes: an index of another format is ignored. */
const FORMAT = 1;
/** A few hundred bytes per cluster: thousands of clusters fit; anything bigger is not ours. */
export const MAX_LIST_INDEX_BYTES = 4 * 1024 * 1024;
/** Changes closer than this to the read are not recorded (file system clock ticks are 1 ms to 2 s). */
const RECENT_NS = 2_000_000_000n;

/**
 * One entry: the identity of the state file it was read from (identityOf), then the summary's fields
 * but name, provider and region (those come from the directory), in ClusterSummary's order. An array,
 * not an object: the index is parsed whole on every listing, and arrays parse faster.
 */
export type IndexEntry = [
  file: string,
  type: ClusterSummary['type'],
  phase: string,
  distribution: string | null,
  kubernetesVersion: string | null,
  controlPlanes: number,
  workers: number,
  context: string | null,
  createdAt: string,
];

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

/** Whether `e` is an entry of exactly the expected shape (nothing else is believed or written). */
function wellFormed(e: unknown): e is IndexEntry {
  return (
    Array.isArray(e) &&
    e.length === 9 &&
    str(e[0]) &&
    (e[1] === 'managed' || e[1] === 'selfmanaged') &&
    str(e[2]) &&
    strOrNull(e[3]) &&
    strOrNull(e[4]) &&
    count(e[5]) &&
    count(e[6]) &&
    strOrNull(e[7]) &&
    str(e[8])
  );
}

/**
 * The entry for a summary read from a state file with this identity, or undefined when its fields are
 * not of the plain types the index holds (a hand-edited state file with, say, an object as its worker
 * count is then read afresh each time, and printed exactly as the full read prints it).
 */
export function entryOf(identity: string, s: ClusterSummary): IndexEntry | undefined {
  const e = [
    identity,
    s.type,
    s.phase,
    s.distribution,
    s.kubernetesVersion,
    s.controlPlanes,
    s.workers,
    s.context,
    s.createdAt,
  ];
  return wellFormed(e) ? e : undefined;
}

/** The summary an entry records for the cluster `id`. */
export function summaryFrom(id: ClusterId, e: IndexEntry): ClusterSummary {
  return {
    name: id.name,
    provider: id.provider,
    region: id.region,
    type: e[1],
    phase: e[2],
    distribution: e[3],
    kubernetesVersion: e[4],
    controlPlanes: e[5],
    workers: e[6],
    context: e[7],
    createdAt: e[8],
  };
}

export interface ListIndex {
  /** Key `provider/region/name` → raw entry (believed only through lookup). */
  entries: Record<string, unknown>;
  size: number;
}

const EMPTY: ListIndex = { entries: {}, size: 0 };

/** The index at `file`, or an empty one when there is none or it is not to be believed. */
export function readListIndex(file: string): ListIndex {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return EMPTY;
  }
  try {
    const st = fstatSync(fd);
    // Only the user's own file, writable by no one else: anyone else's index is not believed.
    if (
      !st.isFile() ||
      st.size > MAX_LIST_INDEX_BYTES ||
      (st.mode & 0o022) !== 0 ||
      (process.getuid && st.uid !== process.getuid())
    )
      return EMPTY;
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    for (let n; off < st.size && (n = readSync(fd, buf, off, st.size - off, null)) > 0;) off += n;
    const doc: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, off)));
    if (typeof doc !== 'object' || doc === null) return EMPTY;
    const { format, schemaVersion, clusters } = doc as Record<string, unknown>;
    if (
      format !== FORMAT ||
      schemaVersion !== STATE_SCHEMA_VERSION ||
      typeof clusters !== 'object' ||
      clusters === null ||
      Array.isArray(clusters)
    )
      return EMPTY;
    return { entries: clusters as Record<string, unknown>, size: Object.keys(clusters).length };
  } catch {
    return EMPTY;
  } finally {
    closeSync(fd);
  }
}

/** The entry for `key` if it records a state file with exactly this identity and has the right shape. */
export function lookup(index: ListIndex, key: string, identity: string): IndexEntry | undefined {
  // Keys hold '/', so no key is a property of Object.prototype; hasOwn makes sure of it.
  const e = Object.hasOwn(index.entries, key) ? index.entries[key] : undefined;
  return Array.isArray(e) && e[0] === identity && wellFormed(e) ? e : undefined;
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
    const text = JSON.stringify({
      format: FORMAT,
      schemaVersion: STATE_SCHEMA_VERSION,
      clusters: Object.fromEntries(entries),
    });
    if (Buffer.byteLength(text) > MAX_LIST_INDEX_BYTES) return;
    writeFileAtomicSync(file, text, 0o600, { sync: false });
  } catch {
    // A cache that cannot be written is a cache that is not used.
  }
}
