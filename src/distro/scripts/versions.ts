/**
 * What a requested Kubernetes version means on a machine: a minor installs the newest patch of that
 * minor at install time (k3s: its channel; kubeadm: the per-minor package repository), a full version
 * pins exactly that release. What was installed is read back afterwards (k3s --version, kubeadm
 * version, kubelet --version), never assumed.
 */
import { SELF_MANAGED_MINORS, isPatchVersion, minorOf } from '../../api/catalog.js';
import type { Distribution } from '../../api/types.js';
import { InputError } from '../../errors.js';

export interface InstallTarget {
  /** `1.36`: the minor the machine must run. */
  minor: string;
  /** An exact release to install (`v1.36.2+k3s1` for k3s, `1.36.2` for kubeadm), or none: the newest patch. */
  pinned?: string;
}

const FIELD = 'spec.kubernetesVersion';

/**
 * `1.36` → the minor only; `1.36.2` → pinned (k3s: `v1.36.2+k3s1`, its first build of that patch;
 * `v1.36.2+k3s2` names another build); anything outside the supported window is refused.
 */
export function installTarget(distribution: Distribution, requested: string | undefined): InstallTarget {
  if (requested === undefined) throw new InputError(`${FIELD} must be set for ${distribution}`, [FIELD]);
  const minor = minorOf(requested);
  if (!(SELF_MANAGED_MINORS as readonly string[]).includes(minor)) {
    throw new InputError(`Kubernetes ${requested} is not supported by ${distribution}`, [FIELD], {
      hint: `supported: ${SELF_MANAGED_MINORS.join(', ')}`,
    });
  }
  if (/^v?\d+\.\d+$/.test(requested)) return { minor };
  const k3sBuild = /^v(\d+\.\d+\.\d+)\+k3s\d+$/.exec(requested);
  if (distribution === 'k3s') {
    if (k3sBuild) return { minor, pinned: requested };
    if (isPatchVersion(requested)) return { minor, pinned: `v${requested.replace(/^v/, '')}+k3s1` };
  } else if (isPatchVersion(requested)) {
    return { minor, pinned: requested.replace(/^v/, '') };
  }
  throw new InputError(`Kubernetes version "${requested}" is not a release ${distribution} can install`, [FIELD], {
    hint: `use ${minor} (the newest ${minor} patch) or a patch such as ${minor}.1`,
  });
}

/** The line a version read-back script prints, and its parser: `kubernetes-version <role> <version>`. */
export const VERSION_LINE = 'kubernetes-version';

/** Versions read back from a machine: Kubernetes (`v1.36.2`) and the distribution's own (`v1.36.2+k3s1`). */
export interface InstalledVersions {
  kubernetes: string;
  distribution: string;
}

export function parseInstalledVersions(stdout: string): InstalledVersions | undefined {
  const kubernetes = new RegExp(`^${VERSION_LINE} kubernetes (v\\d+\\.\\d+\\.\\d+\\S*)$`, 'm').exec(stdout)?.[1];
  const distribution = new RegExp(`^${VERSION_LINE} distribution (v\\d+\\.\\d+\\.\\d+\\S*)$`, 'm').exec(stdout)?.[1];
  return kubernetes && distribution ? { kubernetes, distribution } : undefined;
}
