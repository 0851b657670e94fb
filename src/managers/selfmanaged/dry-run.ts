/**
 * `--dry-run` for a self-managed cluster: every step's own `describe()` over the plan's view, so the
 * scripts printed are the ones `run()` builds, with stand-ins named and secrets redacted.
 */
import type { Script } from '../../distro/scripts/types.js';
import type { Step } from '../../pipeline/types.js';
import { redact } from '../../util/redact.js';
import type { BootstrapContext } from './context.js';
import type { PlanView } from './plan-view.js';
import type { BootstrapStep } from './steps/types.js';

/** A script as the plan shows it: no secret value, only the names of those supplied at run time. */
export interface ScriptView {
  machine: string;
  name: string;
  description: string;
  body: string;
  env?: Record<string, string>;
  secretEnv?: string[];
  files?: { path: string; from: string }[];
}

const isDescribed = (s: Step<BootstrapContext>): s is BootstrapStep =>
  typeof (s as Partial<BootstrapStep>).describe === 'function';

function show(machine: string, s: Script, label: (t: string) => string): ScriptView {
  const clean = (t: string) => redact(label(t));
  return {
    machine,
    name: s.name,
    description: clean(s.description),
    body: clean(s.body),
    ...(s.env ? { env: Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, clean(v)])) } : {}),
    ...(s.secretEnv?.length ? { secretEnv: [...s.secretEnv] } : {}),
    ...(s.files?.length ? { files: s.files.map((f) => ({ path: f.path, from: f.contentRef })) } : {}),
  };
}

/** The steps with `details.scripts` filled from their own `describe()`. */
export async function describedSteps(steps: Step<BootstrapContext>[], pv: PlanView): Promise<Step<BootstrapContext>[]> {
  return Promise.all(
    steps.map(async (s) => {
      if (!isDescribed(s)) return s;
      const scripts = (await s.describe(pv.view)).flatMap((ms) =>
        ms.scripts.map((x) => show(ms.machine, x, (t) => pv.label(t))),
      );
      return scripts.length > 0 ? { ...s, details: { ...(s.details ?? {}), scripts } } : s;
    }),
  );
}
