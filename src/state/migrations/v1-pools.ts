/**
 * State v1 → v2: node pools. v1 pools had name, count, size and spot; a self-managed or kind spec had
 * no pools at all (its `workers` were the only pool). v2 is what resolving the same cluster file gives
 * today (api/defaults.ts): every pool has `labels` and `taints`, self-managed specs list their
 * `default` pool (from `workers`), kind specs too when they have workers, and each worker machine
 * names its pool; `airgap.images` is an empty list. Nothing else changes, so a migrated cluster compares equal to its own file.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function migratePoolsV1(doc: Obj): Obj {
  const spec = isObj(doc.spec) ? doc.spec : undefined;
  if (!spec) return { ...doc, schemaVersion: 2 }; // the shape check names what is missing
  const workers = isObj(spec.workers) ? spec.workers : {};
  const pools: unknown[] = Array.isArray(spec.nodePools) ? spec.nodePools : [];
  const selfManaged = spec.type === 'selfmanaged';
  const withLists = pools.map((p) =>
    isObj(p) ? { ...p, labels: isObj(p.labels) ? p.labels : {}, taints: Array.isArray(p.taints) ? p.taints : [] } : p,
  );
  const count = typeof workers.count === 'number' ? workers.count : 0;
  if (withLists.length === 0 && (selfManaged || (spec.provider === 'local' && count > 0))) {
    withLists.push({
      name: 'default',
      count,
      size: workers.size ?? '',
      spot: workers.spot ?? false,
      labels: {},
      taints: [],
    });
  }
  const machines = isObj(doc.machines)
    ? Object.fromEntries(
        Object.entries(doc.machines).map(([k, m]) => [
          k,
          isObj(m) && m.role === 'worker' && m.pool === undefined ? { ...m, pool: 'default' } : m,
        ]),
      )
    : doc.machines;
  // `airgap.images` (image archives to import) came with v2 too; a v1 cluster had none.
  const airgap =
    isObj(spec.airgap) && !Array.isArray(spec.airgap.images) ? { ...spec.airgap, images: [] } : spec.airgap;
  return { ...doc, schemaVersion: 2, spec: { ...spec, nodePools: withLists, airgap }, machines };
}
