/** Dependency checks and "waves" (what can run in parallel) for plans. Pure. */
import type { StepDescription } from './types.js';

/** Throws on an unknown dependency or a cycle: both are bugs in plan building, not user errors. */
export function checkGraph(steps: readonly StepDescription[]): void {
  const ids = new Set<string>();
  for (const s of steps) {
    if (ids.has(s.id)) throw new Error(`plan has two steps with id ${s.id}`);
    ids.add(s.id);
  }
  for (const s of steps) {
    for (const n of s.needs) if (!ids.has(n)) throw new Error(`step ${s.id} needs unknown step ${n}`);
  }
  waves(steps);
}

/** Groups steps by depth: every step in wave N depends only on waves < N. */
export function waves(steps: readonly StepDescription[]): StepDescription[][] {
  const depth = new Map<string, number>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const visiting = new Set<string>();
  const visit = (s: StepDescription): number => {
    const known = depth.get(s.id);
    if (known !== undefined) return known;
    if (visiting.has(s.id)) throw new Error(`plan has a dependency cycle through ${s.id}`);
    visiting.add(s.id);
    let d = 0;
    for (const n of s.needs) {
      const dep = byId.get(n);
      if (dep) d = Math.max(d, visit(dep) + 1);
    }
    visiting.delete(s.id);
    depth.set(s.id, d);
    return d;
  };
  const out: StepDescription[][] = [];
  for (const s of steps) {
    const d = visit(s);
    (out[d] ??= []).push(s);
  }
  return out;
}

/** Only the description (what `--dry-run` and `-o json` show). */
export function describeStep(s: StepDescription): StepDescription {
  return {
    id: s.id,
    title: s.title,
    needs: [...s.needs],
    ...(s.target ? { target: s.target } : {}),
    ...(s.details ? { details: s.details } : {}),
  };
}
