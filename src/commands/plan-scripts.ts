/** The scripts of a dry run's steps as text (each step's `details.scripts`, already redacted by its manager). */
import type { ScriptView } from '../managers/selfmanaged/dry-run.js';
import type { StepDescription } from '../pipeline/types.js';

export function scriptLines(steps: readonly StepDescription[]): string[] {
  const lines: string[] = [];
  for (const s of steps) {
    const scripts = s.details?.scripts as ScriptView[] | undefined;
    if (!scripts?.length) continue;
    if (lines.length === 0)
      lines.push('', 'Scripts (what each step runs; secrets are supplied at run time and never shown):');
    for (const x of scripts) {
      lines.push('', `--- ${s.id}: ${x.name} on ${x.machine} — ${x.description}`);
      for (const [k, v] of Object.entries(x.env ?? {})) lines.push(`    env ${k}=${v}`);
      for (const k of x.secretEnv ?? []) lines.push(`    env ${k}=<secret>`);
      for (const f of x.files ?? []) lines.push(`    file ${f.path} <- ${f.from}`);
      lines.push(...x.body.split('\n').map((l) => `    ${l}`));
    }
  }
  return lines;
}
