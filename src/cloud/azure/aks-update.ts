/**
 * Day-2 changes of an AKS cluster go through the one managed-cluster PUT: read the cluster, change
 * the fields the operation owns, PUT the whole model back (as `az aks update` does), wait until it
 * is Succeeded. ensureArm waits out an operation an earlier run left in progress (AKS refuses a PUT
 * meanwhile) and makes no call when the cluster already says what is wanted, so re-runs converge.
 */
import { minorOf } from '../../api/catalog.js';
import { ProviderError } from '../../errors.js';
import { AKS_KEY } from './aks.js';
import { ensureArm, provisioningState } from './arm.js';
import type { AzCtx } from './context.js';
import { aksName } from './naming.js';
import type { ArmResource } from './sdk.js';

/** What ksctl reads of an agent pool profile (the SDK's flattened ManagedClusterAgentPoolProfile). */
export interface AgentPoolProfile {
  name?: string;
  orchestratorVersion?: string;
  currentOrchestratorVersion?: string;
  [key: string]: unknown;
}

export async function changeAks(
  cloud: AzCtx,
  what: string,
  done: (cluster: ArmResource) => boolean,
  change: (cluster: ArmResource) => ArmResource,
): Promise<void> {
  const name = aksName(cloud.spec);
  // The body is built from the cluster as it is once settled (ensureArm hands it to `matches` first).
  let seen = await cloud.api.managedClusters.get(cloud.group, name);
  const out = await ensureArm(cloud, cloud.api.managedClusters, name, () => change(seen), {
    key: AKS_KEY,
    kind: 'azure:aks-cluster',
    matches: (c) => {
      seen = c;
      const ok = done(c);
      if (!ok) cloud.log.info(`AKS cluster ${name}: ${what}`);
      return ok;
    },
  });
  if (provisioningState(out) !== 'Succeeded')
    throw new ProviderError(`AKS cluster ${name} is ${String(provisioningState(out))} after ${what}`, {
      hint: 'see the Activity log in the Azure portal, then run the command again',
    });
}

/** `1.37` is met by any 1.37 patch; `1.37.2` only by itself. */
export function versionMeets(have: string | undefined, want: string): boolean {
  if (!have) return false;
  const w = want.replace(/^v/, '');
  return w === minorOf(w) ? minorOf(have) === w : have.replace(/^v/, '') === w;
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/** Who may reach the API server: `apiServerAccessProfile.authorizedIPRanges`. */
export function updateAksAccess(cloud: AzCtx, cidrs: string[]): Promise<void> {
  type Access = { authorizedIPRanges?: string[] };
  const access = (c: ArmResource) => (c['apiServerAccessProfile'] as Access | undefined) ?? {};
  return changeAks(
    cloud,
    `API server authorized IP ranges ${cidrs.join(', ')}`,
    (c) => sameSet(access(c).authorizedIPRanges ?? [], cidrs),
    (c) => ({ ...c, apiServerAccessProfile: { ...access(c), authorizedIPRanges: cidrs } }),
  );
}
