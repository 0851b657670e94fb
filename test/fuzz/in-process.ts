/**
 * The real CLI in this process: src/cli/main.ts's run(), then what bin/ksctl.js does with its result
 * (formatError on stderr, exitCodeOf for the code). A subprocess per fuzz case would cost ~300 ms of
 * Node start-up each; in-process a dry run costs milliseconds, so thousands of cases fit in CI.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exitCodeOf, formatError, run } from '../../src/cli/main.js';

export interface CaseResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The error's fields (InputError), for "names a field". */
  fields: string[];
  cpuMs: number;
  wallMs: number;
  heapDeltaMb: number;
}

function sink(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = {
    isTTY: false,
    write: (s: string | Uint8Array) => (chunks.push(typeof s === 'string' ? s : Buffer.from(s).toString()), true),
  };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

export async function runInProcess(argv: string[], env: NodeJS.ProcessEnv): Promise<CaseResult> {
  const out = sink();
  const err = sink();
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { error, verbose } = await run(argv, env, {
    stdout: out.stream,
    stderr: err.stream,
    stdin: { isTTY: false } as NodeJS.ReadStream,
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  let stderr = err.text();
  if (error !== undefined) {
    const text = formatError(error, verbose);
    if (text) stderr += `${text}\n`;
  }
  return {
    code: error === undefined ? 0 : exitCodeOf(error),
    stdout: out.text(),
    stderr,
    fields: ((error as { fields?: string[] } | undefined)?.fields ?? []).filter((f) => typeof f === 'string'),
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
    heapDeltaMb: (process.memoryUsage().heapUsed - heap0) / 2 ** 20,
  };
}

/** A throw-away HOME, KSCTL_HOME and input folder; `files()` lists everything under it. */
export interface FuzzSandbox {
  dir: string;
  home: string;
  stateDir: string;
  inputDir: string;
  /** A path hostile strings try to create (`; touch <canary>`): it must never exist. */
  canary: string;
  env: NodeJS.ProcessEnv;
  files(under?: string): string[];
  cleanup(): void;
}

export function fuzzSandbox(): FuzzSandbox {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-fuzz-'));
  const home = path.join(dir, 'home');
  const stateDir = path.join(dir, 'state');
  const inputDir = path.join(dir, 'input');
  for (const d of [home, inputDir]) mkdirSync(d, { recursive: true });
  const files = (under = dir): string[] => {
    try {
      return (readdirSync(under, { recursive: true }) as string[])
        .map((f) => path.join(under, f))
        .filter((f) => !statSync(f).isDirectory())
        .sort();
    } catch {
      return [];
    }
  };
  return {
    dir,
    home,
    stateDir,
    inputDir,
    canary: path.join(dir, 'canary'),
    env: { PATH: process.env.PATH, HOME: home, KSCTL_HOME: stateDir, CI: 'true', NO_COLOR: '1', LANG: 'C.UTF-8' },
    files,
    cleanup: () =>
      process.env.KSCTL_TEST_KEEP
        ? console.error(`kept fuzz sandbox ${dir}`)
        : rmSync(dir, { recursive: true, force: true }),
  };
}

/** A stack trace in user-facing text: "    at fn (file.js:1:2)" lines, or an unhandled JS error name. */
export const STACK_TRACE = /^\s+at .+(:\d+:\d+\)?|\(native\))$|\b(TypeError|RangeError|ReferenceError|SyntaxError): /m;

/** Fast-check settings: a fixed seed and a modest count in CI, more with `npm run fuzz`. */
export function fuzzParams(ciRuns: number): { seed: number; numRuns: number } {
  const seed = process.env.KSCTL_FUZZ_SEED ? Number(process.env.KSCTL_FUZZ_SEED) : 20261207;
  const scale = process.env.KSCTL_FUZZ_SCALE ? Number(process.env.KSCTL_FUZZ_SCALE) : 1;
  return { seed, numRuns: Math.max(1, Math.round(ciRuns * scale)) };
}
