/**
 * What a restore of kubeadm's stacked etcd needs besides the data and the Kubernetes CA (which ksctl
 * generated and bundles for every kubeadm cluster): the ServiceAccount signing key pair kubeadm made on
 * the first control plane. Tokens stored in etcd (service account token Secrets) are signed with it, so
 * a cluster rebuilt on new machines must sign and verify with the same pair for them to stay valid. A
 * restore on the same machines keeps the pair where kubeadm put it (/etc/kubernetes/pki), as it keeps
 * the etcd certificates (a restored etcd needs none of them: its data holds no certificate).
 */
import type { SshSession } from '../../distro/ssh/types.js';
import type { SecretStore } from '../../state/types.js';

/** Secret store name → where kubeadm keeps it on every control plane. */
export const KUBEADM_KEPT_FILES: Record<string, string> = {
  'kubeadm-sa.key': '/etc/kubernetes/pki/sa.key',
  'kubeadm-sa.pub': '/etc/kubernetes/pki/sa.pub',
};

/** Copies the pair from the control plane that gave the snapshot into the cluster's secrets (0600). */
export async function keepKubeadmKeys(session: SshSession, secrets: SecretStore): Promise<void> {
  for (const [name, file] of Object.entries(KUBEADM_KEPT_FILES))
    await secrets.put(name, await session.download(file, { sudo: true }));
}
