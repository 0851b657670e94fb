/**
 * While an upgrade is unfinished (its target recorded in `state.versions`), the pools stay as the
 * upgrade planned them: a surge machine it made is not yet a member of its pool, and a worker it
 * replaces is still counted. `scale`, `apply -f` and worker add/remove are refused until it is over.
 */
import { InputError } from '../../errors.js';
import type { ClusterState } from '../../state/types.js';

/** `state.versions` key of the upgrade's target (upgrade.ts UPGRADE_KEYS.target). */
export const UPGRADE_TARGET_KEY = 'upgradeTarget';

export function assertNoUpgradeUnderway(st: ClusterState, what: string): void {
  const target = st.versions[UPGRADE_TARGET_KEY];
  if (!target) return;
  throw new InputError(
    `${what}: the upgrade of ${st.id.name} to Kubernetes ${target} is unfinished; finish it first, then change the pools`,
    ['--k8s-version'],
    { hint: `re-run: ksctl upgrade cluster ${st.id.name} --k8s-version ${target}` },
  );
}
