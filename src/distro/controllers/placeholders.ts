/**
 * Stand-ins for values only a run knows (a dry run describes the scripts before any secret or CA
 * exists). Each stand-in is well-formed, so the script generators accept it, and is replaced by a
 * label in what `--dry-run` prints (`labelPlaceholders`).
 */
import type { SecretReader } from './types.js';

/** Marks a SecretReader whose values are stand-ins. */
export interface PlaceholderSecrets extends SecretReader {
  readonly placeholder: true;
}

export const placeholderSecrets: PlaceholderSecrets = {
  placeholder: true,
  get: async () => undefined,
  has: async () => false,
};

export function isPlaceholder(s: SecretReader): s is PlaceholderSecrets {
  return (s as Partial<PlaceholderSecrets>).placeholder === true;
}

/** A CA hash known only once the CA exists (k3s: read from control plane 0; kubeadm: ksctl's own CA). */
export const CA_HASH_PLACEHOLDER = 'ca5e'.repeat(16);
export const CA_HASH_LABEL = '<sha256 of the cluster CA, known at run time>';
