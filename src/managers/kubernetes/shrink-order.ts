/**
 * Which nodes a pool gives up first when it shrinks: nodes that are not Ready (the longest NotReady
 * first: they serve nothing and the least likely to come back), then the newest (they hold the least
 * settled work, and the oldest, proven machines stay). Ties go by name, last first, so the order is
 * stable whatever order the API listed them in. Pure: the caller lists nodes and acts on the answer.
 */
import type { NodeInfo } from './types.js';

export type ShrinkCandidate = Pick<NodeInfo, 'name' | 'ready' | 'readySince' | 'createdAt'>;

const time = (iso: string) => Date.parse(iso) || 0;

export function shrinkOrder<T extends ShrinkCandidate>(nodes: readonly T[]): T[] {
  return [...nodes].sort((a, b) => {
    if (a.ready !== b.ready) return a.ready ? 1 : -1;
    const d = a.ready ? time(b.createdAt) - time(a.createdAt) : time(a.readySince) - time(b.readySince);
    if (d !== 0) return d;
    return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
  });
}

/** The `count` nodes to remove, in the order to remove them. */
export function pickForShrink<T extends ShrinkCandidate>(nodes: readonly T[], count: number): T[] {
  return shrinkOrder(nodes).slice(0, Math.max(0, count));
}
