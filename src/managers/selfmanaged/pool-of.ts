/**
 * Which node pool a worker machine belongs to. State records it (`Machine.pool`), but a cloud's
 * ensureMachine rewrites the machine record from what the cloud reports, and a crash can fall between
 * that write and the one that puts the pool back; so the machine's name (`<cluster>-<pool>-<n>`, the
 * default pool's `<cluster>-worker-<n>`) and the ssh provider's listed machine are asked next. Workers
 * recorded before pools existed belong to the default pool.
 */
import { DEFAULT_POOL, type ClusterSpec } from '../../api/types.js';
import type { Machine } from '../../state/types.js';

export function poolOf(
  spec: Pick<ClusterSpec, 'name' | 'nodePools' | 'machines'>,
  m: Pick<Machine, 'name' | 'role' | 'pool'>,
): string {
  if (m.pool) return m.pool;
  const listed = spec.machines.find((x) => x.name === m.name)?.pool;
  if (listed) return listed;
  const prefix = `${spec.name}-`;
  const n = /-(\d+)$/.exec(m.name);
  if (m.name.startsWith(prefix) && n) {
    const middle = m.name.slice(prefix.length, m.name.length - n[0].length);
    if (middle !== 'worker' && spec.nodePools.some((p) => p.name === middle)) return middle;
  }
  return DEFAULT_POOL;
}
