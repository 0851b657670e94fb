/**
 * Bounds for what ksctl reads besides the cluster spec: global flags and the environment variables it
 * honours. Checked once, before any command runs (program.ts), so a NUL byte in KSCTL_HOME or a wait
 * of "forever" is exit 2 naming the variable, not a TypeError from the file system later.
 */
import path from 'node:path';
import { MAX_PATH_LENGTH, MAX_SECRET_LENGTH, MAX_SSH_WAIT_SECONDS } from './limits.js';
import { quote } from './quote.js';
import type { Issue } from './validate.js';

/** Most entries ksctl follows in $KUBECONFIG (kubectl merges them all; real lists have a handful). */
export const MAX_KUBECONFIG_ENTRIES = 64;

const badPath = (p: string) => p.length > MAX_PATH_LENGTH || p.includes('\0');

export interface GlobalInputs {
  stateDir?: string;
  kubeconfig?: string;
}

export function checkEnvironment(g: GlobalInputs, env: NodeJS.ProcessEnv): Issue[] {
  const issues: Issue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  const pathRule = `a path of at most ${MAX_PATH_LENGTH} characters without NUL bytes`;
  if (g.stateDir !== undefined && (g.stateDir === '' || badPath(g.stateDir))) add('--state-dir', `must be ${pathRule}`);
  if (g.kubeconfig !== undefined && (g.kubeconfig === '' || badPath(g.kubeconfig)))
    add('--kubeconfig', `must be ${pathRule}`);
  if (env.KSCTL_HOME && badPath(env.KSCTL_HOME)) add('KSCTL_HOME', `must be ${pathRule}`);
  if (env.KUBECONFIG) {
    const entries = env.KUBECONFIG.split(path.delimiter).filter(Boolean);
    if (entries.length > MAX_KUBECONFIG_ENTRIES)
      add('KUBECONFIG', `lists ${entries.length} files; at most ${MAX_KUBECONFIG_ENTRIES} are read`);
    else if (entries.some(badPath)) add('KUBECONFIG', `every entry must be ${pathRule}`);
  }
  const wait = env.KSCTL_SSH_WAIT_SECONDS;
  if (
    wait !== undefined &&
    wait !== '' &&
    !(/^\d+$/.test(wait) && Number(wait) >= 1 && Number(wait) <= MAX_SSH_WAIT_SECONDS)
  ) {
    add('KSCTL_SSH_WAIT_SECONDS', `must be whole seconds from 1 to ${MAX_SSH_WAIT_SECONDS}, got ${quote(wait)}`);
  }
  const sudo = env.KSCTL_SUDO_PASSWORD;
  // The value is a secret: the message describes it, never shows it.
  if (sudo !== undefined && sudo !== '' && (sudo.length > MAX_SECRET_LENGTH || /[\0\r\n]/.test(sudo))) {
    add('KSCTL_SUDO_PASSWORD', `must be one line of at most ${MAX_SECRET_LENGTH} characters`);
  }
  return issues;
}
