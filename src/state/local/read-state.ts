/** Reading one state file: bounded, strict UTF-8, JSON, migrated to the current schema and checked. */
import type { BigIntStats } from 'node:fs';
import type { ClusterId } from '../../api/types.js';
import { MAX_STATE_FILE_BYTES } from '../../api/limits.js';
import { StateError } from '../../errors.js';
import { readBoundedSync } from '../../util/read-bounded.js';
import { migrateState } from '../migrate.js';
import type { ClusterState } from '../types.js';

/**
 * The state in `file` (which must belong to `id`), or undefined when there is no such file. A file that
 * is too large, not UTF-8, not JSON or not a state document throws a StateError and is left untouched.
 * `seen` gets the stats of the very file read (the list index records them).
 */
export function readStateFile(file: string, id: ClusterId, seen?: (st: BigIntStats) => void): ClusterState | undefined {
  let bytes: Buffer;
  try {
    // Bounded: a runaway or foreign file is refused, never loaded whole.
    const read = readBoundedSync(file, MAX_STATE_FILE_BYTES, seen);
    if (!read)
      throw new StateError(`state file ${file} is larger than ${MAX_STATE_FILE_BYTES} bytes; it was left untouched`, {
        hint: 'restore it from a backup or move it away',
      });
    bytes = read;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new StateError(`state file ${file} does not parse (${(e as Error).message}); it was left untouched`, {
      hint: 'restore it from a backup or move it away',
    });
  }
  return migrateState(doc, file, id);
}
