/**
 * Where the fake clouds report a request their provider's published model rejects (botocore's
 * service models, the Google protos, the Azure SDK mappers): the fake answers it with the error the
 * real API gives, and reports it here, so the test that sent it fails even when ksctl swallowed the
 * error (a delete that treats any failure as done, a retry loop, a warning).
 *
 * - In-process: one list per process (on `globalThis`, so every copy of this module shares it);
 *   test/fakes/common/model-guard.setup.ts (a vitest setup file) fails the test after which it is not
 *   empty, and empties it.
 * - In a ksctl subprocess (the fakes' install.ts preloads): also appended, one JSON line each, to
 *   `$KSCTL_FAKE_MODEL_PROBLEMS`, which the setup file points at a file of its own and reads after
 *   each test too; and the preload makes the process exit non-zero (`failProcessOnModelProblems`).
 */
import { appendFileSync } from 'node:fs';

export interface ModelProblem {
  cloud: 'aws' | 'azure' | 'gcp';
  /** The operation as the fake names it (`ec2:RunInstances`, `instances:insert`, `PUT virtualMachines`). */
  op: string;
  /** What is wrong, one entry per path (`TagSpecifications[0].ResourceType: "vm" is not one of ResourceType`). */
  problems: string[];
}

export const MODEL_PROBLEMS_ENV = 'KSCTL_FAKE_MODEL_PROBLEMS';
const KEY = Symbol.for('ksctl.fake-model-problems');

interface Registry {
  problems: ModelProblem[];
  /** Set in a subprocess preload: problems also go to $KSCTL_FAKE_MODEL_PROBLEMS. */
  toFile: boolean;
  /** Requests checked in this process, and the milliseconds the checks took (models' loading included). */
  checked: number;
  checkMs: number;
}

function registry(): Registry {
  const g = globalThis as Record<symbol, Registry | undefined>;
  return (g[KEY] ??= { problems: [], checked: 0, checkMs: 0, toFile: false });
}

/** Runs the check of one request, counting it and its time; returns what the check found. */
export function timedCheck(check: () => string[]): string[] {
  const r = registry();
  const t0 = performance.now();
  try {
    return check();
  } finally {
    r.checked += 1;
    r.checkMs += performance.now() - t0;
  }
}

/** Requests checked in this process so far, and the milliseconds spent checking them. */
export function checkedCount(): { checked: number; ms: number } {
  const r = registry();
  return { checked: r.checked, ms: r.checkMs };
}

/** Records a request the model rejected (a fake calls this before answering with the API's error). */
export function reportModelProblem(p: ModelProblem): void {
  const r = registry();
  r.problems.push(p);
  const file = process.env[MODEL_PROBLEMS_ENV];
  if (r.toFile && file) appendFileSync(file, `${JSON.stringify(p)}\n`);
}

/** The problems recorded in this process since the last call, which empties the list. */
export function takeModelProblems(): ModelProblem[] {
  return registry().problems.splice(0);
}

/** One line per problem, for an assertion message. */
export function describeModelProblems(ps: readonly ModelProblem[]): string {
  return ps.flatMap((p) => p.problems.map((x) => `${p.cloud} ${p.op}: ${x}`)).join('\n');
}

/**
 * For a subprocess preload: each problem also goes to $KSCTL_FAKE_MODEL_PROBLEMS (the test process
 * reads it), and when the process ends after a request the model rejected, it says so on stderr and
 * exits 70 (EX_SOFTWARE) unless it already fails, so a run that swallowed the error fails.
 */
export function failProcessOnModelProblems(): void {
  registry().toFile = true;
  process.on('exit', (code) => {
    const ps = registry().problems;
    if (ps.length === 0) return;
    process.stderr.write(`fake cloud: requests the published model rejects:\n${describeModelProblems(ps)}\n`);
    if (code === 0) process.exitCode = 70;
  });
}
