/**
 * Property: whatever cluster file, flags and environment `ksctl create cluster --dry-run` and
 * `ksctl schema` get, they exit 0 or 2, never print a stack trace, stay within a CPU-time and memory
 * budget, write nothing (a dry run has nothing to write), and an exit 2 names the field at fault.
 * Fixed seed in CI; `npm run fuzz` runs many more cases with a fresh seed (KSCTL_FUZZ_SEED replays one).
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterFileBytes } from './cluster-files.js';
import { envSet, flagSet } from './flags.js';
import type { FuzzPaths } from './hostile.js';
import { STACK_TRACE, fuzzParams, fuzzSandbox, runInProcess, type CaseResult, type FuzzSandbox } from './in-process.js';

/** CPU time per case (wall time on this shared machine says more about the neighbours). */
const CPU_BUDGET_MS = 1000;
const HEAP_BUDGET_MB = 256;

let sb: FuzzSandbox;
let paths: FuzzPaths;
let ran = 0;
let maxCpuMs = 0;
let maxHeapMb = 0;
const found = new Map<string, number>();

beforeAll(async () => {
  sb = fuzzSandbox();
  const goodKey = path.join(sb.inputDir, 'id_ed25519');
  writeFileSync(goodKey, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  paths = { canary: sb.canary, goodKey };
  // Warm up: the first dry run of each kind loads its modules; that is start-up, not per-case cost.
  for (const p of ['local', 'aws', 'azure', 'gcp'])
    await runInProcess(
      ['create', 'cluster', 'warm', '-p', p, '-t', p === 'local' ? 'managed' : 'selfmanaged', '--dry-run'],
      sb.env,
    );
  await runInProcess(['schema'], sb.env);
});
afterAll(() => {
  console.log(
    `cli fuzz: ${ran} cases; slowest ${maxCpuMs.toFixed(0)} ms CPU, largest heap growth ${maxHeapMb.toFixed(0)} MB; outcomes ${JSON.stringify(Object.fromEntries(found))}`,
  );
  sb?.cleanup();
});

/** Everything a case must satisfy; `input` is what the message may name instead of a field (the file). */
function check(r: CaseResult, what: string, input?: string): void {
  ran++;
  maxCpuMs = Math.max(maxCpuMs, r.cpuMs);
  maxHeapMb = Math.max(maxHeapMb, r.heapDeltaMb);
  const outcome = r.code === 0 ? 'exit 0' : `exit ${r.code}: ${r.fields[0] ?? '?'}`.replace(/\[\d+\]/g, '[]');
  found.set(outcome, (found.get(outcome) ?? 0) + 1);
  const ctx = `${what}\nstderr: ${r.stderr.slice(0, 2000)}`;
  expect([0, 2], ctx).toContain(r.code);
  expect(r.stderr, ctx).not.toMatch(STACK_TRACE);
  expect(r.cpuMs, ctx).toBeLessThan(CPU_BUDGET_MS);
  expect(r.heapDeltaMb, ctx).toBeLessThan(HEAP_BUDGET_MB);
  expect(existsSync(sb.canary), ctx).toBe(false);
  // A dry run writes nothing anywhere: not in the state directory, not in HOME.
  expect(
    sb.files().filter((f) => !f.startsWith(sb.inputDir)),
    ctx,
  ).toEqual([]);
  if (r.code === 2) {
    expect(r.fields.filter((f) => f.length > 0).length, ctx).toBeGreaterThan(0);
    const named =
      r.fields.some(
        (f) => f.length > 0 && r.stderr.includes(f.replace(/^spec\.machines\.(\d+)/, 'spec.machines[$1]')),
      ) ||
      (input !== undefined && r.stderr.includes(input));
    expect(named, `${ctx}\nfields: ${r.fields.join(', ')}`).toBe(true);
  }
}

describe('create --dry-run fuzzing', () => {
  it('cluster files: valid, near-valid and hostile', async () => {
    const file = path.join(sb.inputDir, 'cluster.yaml');
    await fc.assert(
      fc.asyncProperty(clusterFileBytes(paths), fc.constantFrom([], ['-o', 'json']), async (bytes, extra) => {
        writeFileSync(file, bytes);
        const r = await runInProcess(['create', 'cluster', '-f', file, '--dry-run', ...extra], sb.env);
        check(r, `file:\n${Buffer.from(bytes).toString('utf8').slice(0, 1500)}`, file);
      }),
      fuzzParams(1000),
    );
  });

  it('flag sets and environment variables', async () => {
    await fc.assert(
      fc.asyncProperty(flagSet(paths), envSet(paths), async (args, env) => {
        const r = await runInProcess(['create', 'cluster', ...args, '--dry-run'], { ...sb.env, ...env });
        check(r, `argv: ${JSON.stringify(args).slice(0, 1500)}\nenv: ${JSON.stringify(env).slice(0, 500)}`);
      }),
      fuzzParams(800),
    );
  });

  it('schema with any global flags prints the JSON Schema or exits 2', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.constantFrom(
            '--no-color',
            '--verbose',
            '-o',
            'json',
            'yaml',
            'xml',
            '--yes',
            '--state-dir',
            '--kubeconfig',
            '\0',
            'x'.repeat(5000),
          ),
          { maxLength: 4 },
        ),
        envSet(paths),
        async (args, env) => {
          const r = await runInProcess([...args, 'schema'], { ...sb.env, ...env });
          check(r, `argv: ${JSON.stringify(args).slice(0, 300)}\nenv: ${JSON.stringify(env).slice(0, 300)}`);
          if (r.code === 0 && r.stdout.startsWith('{'))
            expect((JSON.parse(r.stdout) as { title: string }).title).toContain('ksctl Cluster');
        },
      ),
      fuzzParams(200),
    );
  });
});
