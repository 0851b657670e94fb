/**
 * kubectl's loading rules, which `switch` and `delete` follow exactly:
 * - `--kubeconfig F`: F only (created if missing).
 * - else `$KUBECONFIG` (a path list): entries are looked up in order, the first file that defines a
 *   name owns it; a changed entry is written back to its owner; a new one, and current-context, go to
 *   the default file: the only entry of a one-file list, else the first file that exists (or the last
 *   in the list if none does). This is client-go's `PathOptions.GetDefaultFilename` and `ModifyConfig`
 *   (tools/clientcmd/config.go), which `kubectl config use-context` uses; the current-context kubectl
 *   reads is the first non-empty one in the list.
 * - else `~/.kube/config` (created if missing).
 */
import os from 'node:os';
import path from 'node:path';
import type { KubeconfigTarget } from './types.js';

export function kubeconfigTarget(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): KubeconfigTarget {
  const home = env.HOME || os.homedir();
  const envFiles = (env.KUBECONFIG ?? '')
    .split(path.delimiter)
    .filter((f) => f.length > 0)
    .filter((f, i, all) => all.indexOf(f) === i);
  return {
    ...(explicit ? { explicit: path.resolve(explicit) } : {}),
    envFiles: envFiles.map((f) => path.resolve(f)),
    homeFile: path.join(home, '.kube', 'config'),
  };
}

/** Files in precedence order. */
export function precedence(t: KubeconfigTarget): string[] {
  if (t.explicit) return [t.explicit];
  if (t.envFiles.length > 0) return t.envFiles;
  return [t.homeFile];
}
