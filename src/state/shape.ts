/**
 * The shape a migrated state document must have before anything reads it: a foreign or hand-edited
 * JSON file (right schemaVersion, wrong contents) gets a clear StateError naming the field, not a
 * TypeError deep inside a manager. The file is never touched.
 */
import { quote } from '../api/quote.js';
import type { ClusterId } from '../api/types.js';
import { StateError } from '../errors.js';
import type { ClusterState } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A node pool as schema 2 records it (apply and scale read its labels and taints). */
const isPool = (p: unknown) =>
  isObj(p) && typeof p.name === 'string' && typeof p.count === 'number' && isObj(p.labels) && Array.isArray(p.taints);

const FIELDS: [string, (v: unknown) => boolean, string][] = [
  [
    'id',
    (v) => isObj(v) && ['provider', 'region', 'name'].every((k) => typeof v[k] === 'string'),
    'an object with provider, region and name',
  ],
  ['type', (v) => v === 'managed' || v === 'selfmanaged', 'managed or selfmanaged'],
  ['phase', (v) => typeof v === 'string', 'a string'],
  [
    'spec',
    (v) =>
      isObj(v) &&
      isObj(v.controlPlane) &&
      isObj(v.workers) &&
      isObj(v.etcd) &&
      Array.isArray(v.machines) &&
      Array.isArray(v.nodePools) &&
      v.nodePools.every(isPool),
    'a cluster spec',
  ],
  [
    'resources',
    (v) =>
      isObj(v) && Object.values(v).every((r) => isObj(r) && typeof r.kind === 'string' && typeof r.id === 'string'),
    'an object of resource records',
  ],
  [
    'machines',
    (v) =>
      isObj(v) && Object.values(v).every((m) => isObj(m) && typeof m.name === 'string' && typeof m.role === 'string'),
    'an object of machines',
  ],
  [
    'steps',
    (v) =>
      Array.isArray(v) &&
      v.every(
        (s) => isObj(s) && typeof s.id === 'string' && typeof s.title === 'string' && typeof s.status === 'string',
      ),
    'a list of step records',
  ],
  ['runs', (v) => Array.isArray(v) && v.every(isObj), 'a list of run records'],
  ['versions', (v) => isObj(v) && Object.values(v).every((x) => typeof x === 'string'), 'an object of version strings'],
  ['createdAt', (v) => typeof v === 'string', 'a timestamp'],
  ['lastError', (v) => v === undefined || typeof v === 'string', 'a string'],
  ['kubeconfig', (v) => v === undefined || (isObj(v) && typeof v.context === 'string'), 'an object with a context'],
];
const OPTIONAL = new Set(['lastError', 'kubeconfig']);

/** Checks `doc` (already migrated to the current schema) and returns it typed. */
export function assertStateShape(doc: Obj, file: string, expected?: ClusterId): ClusterState {
  for (const [key, ok, what] of FIELDS) {
    if (!(key in doc) && !OPTIONAL.has(key)) throw new StateError(`${file} is missing "${key}"; it was left untouched`);
    if (!ok(doc[key]))
      throw new StateError(`${file}: "${key}" must be ${what}; it was left untouched`, {
        hint: 'restore it from a backup or move it away',
      });
  }
  const id = doc.id as ClusterId;
  if (expected && (id.provider !== expected.provider || id.region !== expected.region || id.name !== expected.name)) {
    throw new StateError(
      `${file} belongs to cluster ${quote(`${id.name} (${id.provider}/${id.region})`)}, not to the directory it is in; it was left untouched`,
      {
        hint: 'move it back where it came from',
      },
    );
  }
  return doc as unknown as ClusterState;
}
