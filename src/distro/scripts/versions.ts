/**
 * Version pinning: what exactly each distribution installs for a requested Kubernetes version.
 */
import { DISTRIBUTION_VERSIONS, minorOf } from '../../api/catalog.js';
import type { Distribution } from '../../api/types.js';
import { InputError } from '../../errors.js';

/**
 * `1.31` → the pinned release for that minor (`v1.31.7+k3s1` / `1.31.7`). A full version is accepted
 * when it names a release of a supported minor: for kubeadm any patch (`1.31.4`), for k3s the k3s
 * form (`v1.31.4+k3s1`) or the pinned patch (`1.31.7`).
 */
export function resolveVersion(distribution: Distribution, requested: string): string {
  const pins = DISTRIBUTION_VERSIONS[distribution];
  const minor = minorOf(requested);
  const pinned = pins[minor];
  const field = 'spec.kubernetesVersion';
  if (!pinned) {
    throw new InputError(`Kubernetes ${requested} is not supported by ${distribution}`, [field], {
      hint: `supported: ${Object.keys(pins).join(', ')}`,
    });
  }
  if (/^v?\d+\.\d+$/.test(requested)) return pinned;
  if (distribution === 'kubeadm') {
    const m = /^v?(\d+\.\d+\.\d+)$/.exec(requested);
    if (m?.[1]) return m[1];
  } else {
    if (/^v\d+\.\d+\.\d+\+k3s\d+$/.test(requested)) return requested;
    if (pinned.startsWith(`v${requested.replace(/^v/, '')}+`)) return pinned;
  }
  throw new InputError(`Kubernetes version "${requested}" is not a release ${distribution} can install`, [field], {
    hint: `use ${minor} (installs ${pinned})`,
  });
}
