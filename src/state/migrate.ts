/**
 * State schema migrations, k3d-style: one function per step (vN → vN+1), applied in a loop. A file
 * whose schemaVersion is newer than this build knows is refused (and never overwritten).
 */
import type { ClusterId } from '../api/types.js';
import { StateError } from '../errors.js';
import { migratePoolsV1 } from './migrations/v1-pools.js';
import { assertStateShape } from './shape.js';
import { STATE_SCHEMA_VERSION, type ClusterState } from './types.js';

type Migration = (doc: Record<string, unknown>) => Record<string, unknown>;

/** MIGRATIONS[n] turns a version-n document into version n+1. */
const MIGRATIONS: Record<number, Migration> = {
  1: migratePoolsV1,
};

export function migrateState(doc: unknown, file: string, expected?: ClusterId): ClusterState {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new StateError(`${file} is not a ksctl state document (expected a JSON object); it was left untouched`);
  }
  let cur = doc as Record<string, unknown>;
  const raw = cur.schemaVersion;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1) {
    throw new StateError(`${file} has no valid schemaVersion; it was left untouched`);
  }
  let version: number = raw;
  if (version > STATE_SCHEMA_VERSION) {
    throw new StateError(
      `${file} has schemaVersion ${version}, newer than this ksctl understands (${STATE_SCHEMA_VERSION}); it was left untouched`,
      { hint: 'upgrade ksctl to manage this cluster' },
    );
  }
  while (version < STATE_SCHEMA_VERSION) {
    const step = MIGRATIONS[version];
    if (!step) throw new StateError(`no migration from state schemaVersion ${version}; ${file} was left untouched`);
    cur = step(cur);
    version = cur.schemaVersion as number;
  }
  return assertStateShape(cur, file, expected);
}
