/**
 * Where things live under $KSCTL_HOME:
 *   clusters/<provider>/<region>/<name>/state.json   the ClusterState (0644: no secrets in it)
 *   clusters/<provider>/<region>/<name>/lock         who holds the cluster (pid, host, command, since)
 *   clusters/<provider>/<region>/<name>/secrets/     0700 dir, 0600 files (keys, kubeconfig, tokens)
 *   clusters/<provider>/<region>/<name>/ksctl.log    redacted step output
 *   clusters/list-index.json                          0600 cache of what `get clusters` shows (list-index.ts);
 *                                                     safe to delete, rebuilt by the next listing
 */
import os from 'node:os';
import path from 'node:path';
import type { ClusterId } from '../../api/types.js';

export function defaultStateRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.KSCTL_HOME || path.join(os.homedir(), '.ksctl');
}

export function clustersDir(root: string): string {
  return path.join(root, 'clusters');
}

export function clusterDir(root: string, id: ClusterId): string {
  return path.join(clustersDir(root), id.provider, id.region, id.name);
}

export const STATE_FILE = 'state.json';
export const LOCK_FILE = 'lock';
export const SECRETS_DIR = 'secrets';
export const LOG_FILE = 'ksctl.log';
export const LIST_INDEX_FILE = 'list-index.json';
