/**
 * Runs the built CLI (bin/ksctl.js) as a subprocess in a sandbox: its own HOME, KSCTL_HOME and PATH
 * with the kind/docker stand-ins first, no TTY and CI=true unless a test says otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// KSCTL_ROOT: the checkout, when this module was bundled elsewhere (npm run bench).
export const ROOT = process.env.KSCTL_ROOT ?? path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'bin/ksctl.js');
export const KIND_STANDIN_BIN = path.join(ROOT, 'test/standins/kind/bin');

export interface Sandbox {
  dir: string;
  home: string;
  ksctlHome: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

export function sandbox(extraEnv: NodeJS.ProcessEnv = {}): Sandbox {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-test-'));
  const home = path.join(dir, 'home');
  const ksctlHome = path.join(dir, 'ksctl');
  const env: NodeJS.ProcessEnv = {
    PATH: `${KIND_STANDIN_BIN}:${process.env.PATH}`,
    HOME: home,
    KSCTL_HOME: ksctlHome,
    KIND_STANDIN_HOME: path.join(dir, 'kind'),
    CI: 'true',
    NO_COLOR: '1',
    LANG: 'C.UTF-8',
    ...extraEnv,
  };
  // KSCTL_TEST_KEEP=1 keeps the sandbox (state, logs, kubeconfigs) for a post-mortem.
  const cleanup = () =>
    process.env.KSCTL_TEST_KEEP ? console.error(`kept sandbox ${dir}`) : rmSync(dir, { recursive: true, force: true });
  return { dir, home, ksctlHome, env, cleanup };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startKsctl(
  args: string[],
  env: NodeJS.ProcessEnv,
  input = '',
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(input);
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

export function ksctl(args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<CliResult> {
  return startKsctl(args, env, input).done;
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The real kubectl, offline config commands only. */
export function kubectl(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return run('kubectl', args, env);
}

/**
 * For a failed assertion's message: the cluster's ksctl.log as a test needs it, every step that failed
 * or was interrupted (wherever it is in the log) and then the last `lines` lines.
 */
export function clusterLog(clusterDir: string, lines = 60): string {
  let text: string;
  try {
    text = readFileSync(path.join(clusterDir, 'ksctl.log'), 'utf8');
  } catch {
    return '(no log)';
  }
  const all = text.split('\n');
  const failed = all.filter((l) => / step (failed|interrupted): /.test(l));
  return [...(failed.length ? ['steps that failed:', ...failed, '...'] : []), ...all.slice(-lines)].join('\n');
}
