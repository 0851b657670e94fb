/** What a pool change did (or, on a dry run, would do), as text or as data (`-o json|yaml`). */
import { formatClusterId, type ClusterId } from '../api/types.js';
import type { IoHost } from '../io/types.js';
import type { PoolChangeResult } from '../managers/index.js';
import type { OutputFormat } from './context.js';
import { printData } from './output.js';

/** The result as scripts read it: stable field names, the steps as described. */
export function poolChangeData(id: ClusterId, r: PoolChangeResult, dryRun: boolean) {
  return { cluster: id, dryRun, pools: r.pools, added: r.added, removed: r.removed, steps: r.steps };
}

/** Lines for people: each pool's count change, the machines or nodes added and removed. */
export function poolChangeLines(r: PoolChangeResult): string[] {
  const lines = r.pools.map((p) => `  pool ${p.name}: ${p.from} → ${p.to}`);
  if (r.added.length) lines.push(`  added: ${r.added.join(', ')}`);
  if (r.removed.length) lines.push(`  removed: ${r.removed.join(', ')}`);
  return lines;
}

export async function printPoolChange(
  io: IoHost,
  format: OutputFormat | undefined,
  id: ClusterId,
  r: PoolChangeResult,
  opts: { dryRun: boolean; done: string },
): Promise<void> {
  await printData(io, format, poolChangeData(id, r, opts.dryRun), () => {
    if (!opts.dryRun) return [opts.done, ...poolChangeLines(r)].join('\n');
    return [
      `Dry run for cluster ${formatClusterId(id)}: nothing was changed.`,
      ...poolChangeLines(r),
      ...(r.steps.length
        ? ['Steps:', ...r.steps.map((s) => `  - ${s.title}`)]
        : ['No steps: the pools already match.']),
    ].join('\n');
  });
}
