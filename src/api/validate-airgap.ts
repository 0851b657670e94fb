/**
 * `spec.airgap.images`: container image archives in `spec.airgap.dir` that ksctl uploads to every node
 * and imports into its container runtime before Kubernetes starts (kubeadm: `ctr -n k8s.io images
 * import` before `kubeadm init/join`; k3s: its agent/images directory, which k3s imports when it starts).
 * Plain file names (the directory is spec.airgap.dir), uncompressed tar archives: what `ctr images
 * export`, `docker save` and `podman save` write, and what every containerd's `ctr images import` reads.
 */
import { MAX_AIRGAP_IMAGES } from './limits.js';
import { quote } from './quote.js';
import type { ClusterSpec } from './types.js';
import type { Issue } from './validate.js';

/** A file name without a directory, not hidden, ending in .tar. */
const IMAGE_ARCHIVE = /^[A-Za-z0-9][A-Za-z0-9._+-]*\.tar$/;
const MAX_FILE_NAME = 255;

export function validateAirgap(spec: ClusterSpec): Issue[] {
  const images = spec.airgap.images ?? [];
  if (images.length === 0) return [];
  const issues: Issue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  if (spec.type !== 'selfmanaged')
    add(
      'spec.airgap.images',
      'applies to self-managed clusters only (the cloud or kind runs the container runtime): remove it',
    );
  else if (!spec.airgap.enabled || !spec.airgap.dir)
    add(
      'spec.airgap.images',
      'lists image archives for an air-gapped install: set spec.airgap.enabled: true and spec.airgap.dir (the directory holding them), or remove it',
    );
  if (images.length > MAX_AIRGAP_IMAGES)
    add('spec.airgap.images', `lists ${images.length} archives; at most ${MAX_AIRGAP_IMAGES}`);
  const seen = new Set<string>();
  images.slice(0, MAX_AIRGAP_IMAGES).forEach((v, i) => {
    const path = `spec.airgap.images[${i}]`;
    if (typeof v !== 'string' || v.length > MAX_FILE_NAME || !IMAGE_ARCHIVE.test(v)) {
      add(
        path,
        `${quote(v)} must be the file name (no directory) of an uncompressed image archive ending in .tar, in spec.airgap.dir, as \`ctr images export\` or \`docker save\` writes it`,
      );
    } else if (seen.has(v)) add(path, `lists ${quote(v)} twice: remove one`);
    seen.add(v);
  });
  return issues;
}
