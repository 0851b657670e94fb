/**
 * The Kubernetes cluster CA for kubeadm clusters. ksctl generates it (instead of letting `kubeadm init`
 * do so) so that the discovery hash is known before init, and a retried init keeps the same CA.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { SECRET_NAMES } from './names.js';
import type { CertificateAndKey } from './x509.js';

export async function generateKubernetesCa(
  opts: { now?: Date; validityDays?: number } = {},
): Promise<CertificateAndKey> {
  // x509.ts loads @peculiar/x509 (≈0.1 s): only when a CA is made, not for every command that loads
  // the kubeadm controller (which needs caCertHash only).
  const { createCa } = await import('./x509.js');
  return createCa({ commonName: 'kubernetes', ...opts });
}

/** kubeadm's `--discovery-token-ca-cert-hash`: `sha256:` + hex SHA-256 of the CA's SubjectPublicKeyInfo. */
export function caCertHash(caCertPem: string): string {
  const spki = createPublicKey(caCertPem).export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** The CA as SecretStore entries. */
export function kubernetesCaSecrets(ca: CertificateAndKey): Record<string, string> {
  return { [SECRET_NAMES.kubernetesCaCert]: ca.cert, [SECRET_NAMES.kubernetesCaKey]: ca.key };
}
