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
