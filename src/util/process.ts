/**
 * Running a local program (kind, docker) with its output streamed line by line, abortable. A missing
 * binary is reported as `ENOENT` on the result so callers can say what to install.
 */
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started (e.g. ENOENT: not on PATH). */
  spawnError?: NodeJS.ErrnoException;
}

export interface RunProgramOptions {
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

export function runProgram(cmd: string, args: string[], opts: RunProgramOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let partial = '';
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const onAbort = () => child.kill('SIGINT');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const lines = (chunk: string) => {
      if (!opts.onLine) return;
      partial += chunk;
      const parts = partial.split(/\r?\n/);
      partial = parts.pop() ?? '';
      for (const l of parts) if (l.trim()) opts.onLine(l);
    };
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      lines(d);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ code: null, stdout, stderr, spawnError: e });
    });
    child.on('close', (code) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (partial.trim() && opts.onLine) opts.onLine(partial);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
