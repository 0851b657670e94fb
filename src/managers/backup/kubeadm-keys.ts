/**
 * What a restore of a kubeadm cluster onto new machines needs besides the data and the Kubernetes CA
 * (which ksctl generated and bundles for every kubeadm cluster): the ServiceAccount signing key pair
 * kubeadm made on the first control plane (KUBEADM_SA_FILES). Tokens stored in etcd (service account
 * token Secrets) are signed with it, so a cluster rebuilt on new machines must sign and verify with the
 * same pair for them to stay valid. A restore on the same machines keeps the pair where kubeadm put it.
 */
import { KUBEADM_SA_FILES } from '../../distro/scripts/kubeadm.js';
import type { SshSession } from '../../distro/ssh/types.js';
import type { SecretStore } from '../../state/types.js';
import type { BootstrapContext } from '../selfmanaged/context.js';

/** The pair's names in the secret store. */
export const KUBEADM_KEPT_SECRETS = Object.keys(KUBEADM_SA_FILES);

/** Copies the pair from a control plane into the cluster's secrets (0600). */
export async function keepKubeadmKeys(session: SshSession, secrets: SecretStore): Promise<void> {
  for (const [name, f] of Object.entries(KUBEADM_SA_FILES))
    await secrets.put(name, await session.download(f.path, { sudo: true }));
}

/** Whether a bundle's secrets carry the pair (earlier bundles of kubeadm clusters with external etcd do not). */
export const hasKubeadmKeys = (secrets: Record<string, string>): boolean =>
  KUBEADM_KEPT_SECRETS.every((n) => secrets[n] !== undefined);

/**
 * kubeadm over external etcd (no control plane gives the snapshot): the pair as an earlier backup kept
 * it (kubeadm never rotates it), or else from the first control plane that answers. None answering does
 * not fail the backup (a restore onto the same machines does not need the pair); a warning says what a
 * restore onto new machines then lacks.
 */
export async function ensureKubeadmKeys(
  ctx: Pick<BootstrapContext, 'machinesOf' | 'session' | 'cluster' | 'log'>,
): Promise<void> {
  const secrets = ctx.cluster.secrets;
  let kept = true;
  for (const name of KUBEADM_KEPT_SECRETS) kept &&= await secrets.has(name);
  if (kept) return;
  const failed: string[] = [];
  for (const cp of ctx.machinesOf('controlplane')) {
    try {
      await keepKubeadmKeys(await ctx.session(cp), secrets);
      return;
    } catch (e) {
      failed.push(`${cp.name}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  ctx.log.warn(
    `kubeadm's ServiceAccount key pair could not be read from any control plane (${failed.join('; ')}); ` +
      'this backup goes without it: a cluster restored from it onto new machines issues new service account tokens',
  );
}
