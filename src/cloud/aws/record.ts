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

function sameRecord(prev: ResourceRecord, rec: NewRecord): boolean {
  const { createdAt: _c, data: prevData, ...rest } = prev;
  const { data, ...recRest } = rec;
  if (JSON.stringify(sorted(rest)) !== JSON.stringify(sorted(recRest))) return false;
  return Object.entries(data ?? {}).every(([k, v]) => JSON.stringify(prevData?.[k]) === JSON.stringify(v));
}

function sorted(o: object): [string, unknown][] {
  return Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
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
