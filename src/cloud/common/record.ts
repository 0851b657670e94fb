/** Writing what exists into cluster state the moment it exists, and forgetting what was deleted. */
import type { StepContext } from '../../pipeline/types.js';
import type { ResourceRecord } from '../../state/types.js';

export type NewRecord = Omit<ResourceRecord, 'createdAt'>;

export function recorded(ctx: StepContext, key: string): ResourceRecord | undefined {
  return ctx.cluster.state?.resources[key];
}

/** Insert or replace a resource record (keeping its first createdAt). Data is merged. */
export async function record(ctx: StepContext, key: string, rec: NewRecord): Promise<ResourceRecord> {
  let out: ResourceRecord | undefined;
  await ctx.cluster.update((s) => {
    const prev = s.resources[key];
    const data = { ...(prev?.id === rec.id ? prev.data : {}), ...rec.data };
    out = { ...rec, createdAt: prev?.id === rec.id ? prev.createdAt : new Date().toISOString() };
    if (Object.keys(data).length > 0) out.data = data;
    s.resources[key] = out;
  });
  return out!;
}

/** Like record(), but writes nothing when the record already says the same. */
export async function ensureRecorded(ctx: StepContext, key: string, rec: NewRecord): Promise<ResourceRecord> {
  const prev = recorded(ctx, key);
  if (prev && sameRecord(prev, rec)) return prev;
  return record(ctx, key, rec);
}

/** True when every fact `rec` states (fields and data entries) is already in `prev`. */
function sameRecord(prev: ResourceRecord, rec: NewRecord): boolean {
  const { data, ...fields } = rec;
  const prevFields = prev as unknown as Record<string, unknown>;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return (
    Object.entries(fields).every(([k, v]) => v === undefined || same(prevFields[k], v)) &&
    Object.entries(data ?? {}).every(([k, v]) => same(prev.data?.[k], v))
  );
}

export async function forget(ctx: StepContext, ...keys: string[]): Promise<void> {
  if (!keys.some((k) => ctx.cluster.state?.resources[k])) return;
  await ctx.cluster.update((s) => {
    for (const k of keys) delete s.resources[k];
  });
}

/** Keys of recorded resources whose key starts with `prefix`. */
export function recordedKeys(ctx: StepContext, prefix: string): string[] {
  return Object.keys(ctx.cluster.state?.resources ?? {}).filter((k) => k.startsWith(prefix));
}
