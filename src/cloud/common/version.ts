/** Shared by the managed providers: one live version lookup per spec and process. */
import type { ClusterSpec } from '../../api/types.js';

/**
 * Preflight resolves the version and the manager asks again to record it: one lookup answers both. A
 * failed lookup is forgotten, so a retry asks the cloud again.
 */
export function memoVersion(
  cache: Map<string, Promise<string>>,
  spec: ClusterSpec,
  resolve: () => Promise<string>,
): Promise<string> {
  const key = `${spec.region}\u0000${spec.kubernetesVersion ?? ''}`;
  let p = cache.get(key);
  if (!p) {
    p = resolve();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
