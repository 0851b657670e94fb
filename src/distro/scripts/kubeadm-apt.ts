/**
 * The kubeadm packages' apt repository on a machine: its signing key, its `sources.list.d` entry (flat,
 * `deb [signed-by=<key>] <url> /`, as pkgs.k8s.io documents) and an index refresh of that one source.
 * Shared by the install (kubeadm-install.ts) and the upgrade (kubeadm-upgrade.ts), which moves the entry
 * to the next minor's repository. The repository is pkgs.k8s.io's or the spec's mirror of it.
 */
import type { PackageRepositorySpec } from '../../api/package-repository.js';
import { shellQuote } from './common.js';

export const KUBERNETES_APT_KEYRING = '/etc/apt/keyrings/kubernetes-apt-keyring.gpg';
export const KUBERNETES_APT_SOURCE = '/etc/apt/sources.list.d/kubernetes.list';

/**
 * `apt-get update` of the Kubernetes source alone: the machine's other sources (its distribution's
 * mirror) are neither needed for these packages nor always reachable from a cluster's network, and an
 * unreachable one fails the whole update. The other sources' indexes are kept (List-Cleanup=0).
 */
export const APT_UPDATE_KUBERNETES = `apt-get -o DPkg::Lock::Timeout=300 -o Dir::Etc::sourcelist=${KUBERNETES_APT_SOURCE.replace('/etc/apt/', '')} -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 update -q`;

/**
 * Lines that point apt at the minor's repository: the key fetched (needs curl and gpg) and the source
 * written, both only rewritten when they differ (write_file). A mirror named in the spec after the
 * install, or the next minor's repository at an upgrade, replaces both.
 */
export function kubernetesAptSourceLines(repo: PackageRepositorySpec): string[] {
  return [
    'ensure_dir /etc/apt/keyrings 0755',
    `key=$(curl -fsSL --retry 5 --retry-connrefused ${shellQuote(repo.keyUrl)}) || die ${shellQuote(`cannot download the Kubernetes packages' signing key from ${repo.keyUrl}`)}`,
    `printf '%s\\n' "$key" | gpg --dearmor | write_file ${KUBERNETES_APT_KEYRING} 0644 root:root`,
    `echo ${shellQuote(`deb [signed-by=${KUBERNETES_APT_KEYRING}] ${repo.url} /`)} | write_file ${KUBERNETES_APT_SOURCE} 0644 root:root`,
  ];
}
