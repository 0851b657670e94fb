/**
 * Vitest setup file (vitest.config.ts `setupFiles`): a test after which a fake cloud has recorded a
 * request its provider's published model rejects fails, whoever sent the request and whatever
 * ksctl did with the error (see ./model-problems.ts). Requests sent by a ksctl subprocess reach
 * the same check through the file named by $KSCTL_FAKE_MODEL_PROBLEMS, which children inherit.
 * A test that sends a bad request on purpose (the checkers' own tests) takes its problems itself
 * with takeModelProblems().
 */
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect } from 'vitest';
import { modelLoadMs } from '../aws/model-check.js';
import { mapperLoadMs } from '../azure/mapper-check.js';
import { protoLoadMs } from '../gcp/proto-check.js';
import {
  checkedCount,
  describeModelProblems,
  MODEL_PROBLEMS_ENV,
  takeModelProblems,
  type ModelProblem,
} from './model-problems.js';

const checkedBefore = checkedCount();
const file = join(tmpdir(), `ksctl-fake-model-problems-${process.pid}-${Math.random().toString(16).slice(2)}.jsonl`);
process.env[MODEL_PROBLEMS_ENV] = file;

function collected(): ModelProblem[] {
  const own = takeModelProblems();
  // Only subprocess preloads write the file (failProcessOnModelProblems).
  if (!existsSync(file)) return own;
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  if (lines.length > 0) writeFileSync(file, '');
  return [...own, ...lines.map((l) => JSON.parse(l) as ModelProblem)];
}

function assertNone(when: string): void {
  const ps = collected();
  if (ps.length > 0)
    throw new Error(
      `a fake cloud received requests the published model rejects (${when}):\n${describeModelProblems(ps)}`,
    );
}

afterEach(() => assertNone('during this test'));
/**
 * With $KSCTL_FAKE_MODEL_STATS naming a file, one JSON line per test file: requests checked in this
 * process (subprocesses not counted), the milliseconds the checks took in all (loading included), and
 * the milliseconds spent loading each cloud's models.
 */
function writeStats(): void {
  const stats = process.env['KSCTL_FAKE_MODEL_STATS'];
  if (!stats) return;
  const line = {
    file: expect.getState().testPath,
    checked: checkedCount().checked - checkedBefore.checked,
    checkMs: Math.round(checkedCount().ms - checkedBefore.ms),
    loadMs: { aws: modelLoadMs(), gcp: protoLoadMs(), azure: mapperLoadMs() },
  };
  appendFileSync(stats, `${JSON.stringify(line)}\n`);
}

afterAll(() => {
  try {
    writeStats();
    assertNone('in a hook of this file');
  } finally {
    rmSync(file, { force: true });
  }
});
