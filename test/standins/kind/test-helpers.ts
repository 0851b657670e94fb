// Helpers for the kind/docker stand-in tests: run the stand-ins and the real kubectl as
// subprocesses against a throw-away HOME.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { WireDoc } from '../../helpers/wire.js';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = path.join(here, 'bin');
export const KUBECTL = '/usr/bin/kubectl';

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A sandbox: temp HOME, stand-ins first on PATH, no inherited KUBECONFIG/KIND_* variables. */
export class Sandbox {
  readonly home = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-standin-test-'));

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ''}`, HOME: this.home, ...extra };
  }

  run(cmd: string, args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Result {
    const r = spawnSync(cmd, args, { env: this.env(opts.env), input: opts.input, encoding: 'utf8' });
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  }

  kind(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Result {
    return this.run(path.join(BIN, 'kind'), args, opts);
  }

  docker(args: string[], env: Record<string, string> = {}): Result {
    return this.run(path.join(BIN, 'docker'), args, { env });
  }

  kubectl(args: string[], env: Record<string, string> = {}): Result {
    return this.run(KUBECTL, args, { env });
  }

  /** `kubectl config get-contexts -o name`, sorted. */
  contexts(env: Record<string, string> = {}): string[] {
    const r = this.kubectl(['config', 'get-contexts', '-o', 'name'], env);
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  get kubeconfigPath(): string {
    return path.join(this.home, '.kube', 'config');
  }

  writeFile(rel: string, text: string): string {
    const file = path.join(this.home, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  }

  readYaml(file = this.kubeconfigPath): WireDoc {
    return YAML.parse(fs.readFileSync(file, 'utf8'));
  }

  /** Starts kind in the background; resolves once `marker` shows up on its stderr. */
  spawnKind(args: string[], env: Record<string, string>, marker: string) {
    const child = spawn(path.join(BIN, 'kind'), args, { env: this.env(env) });
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    const reached = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes(marker)) resolve();
      });
      void exited.then(() => reject(new Error(`kind exited before "${marker}":\n${stderr}`)));
    });
    return { child, reached, exited, stderr: () => stderr };
  }

  cleanup(): void {
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

/** A kubeconfig that already holds another cluster, as a user's would. */
export const PROD_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example.com:6443
    certificate-authority-data: cHJvZC1jYQ==
users:
- name: prod-admin
  user:
    token: prod-token
contexts:
- name: prod
  context:
    cluster: prod
    user: prod-admin
    namespace: web
current-context: prod
preferences: {}
`;

export const entry = (cfg: WireDoc, list: 'clusters' | 'users' | 'contexts', name: string): WireDoc =>
  (cfg?.[list] ?? []).find((e: WireDoc) => e?.name === name);
