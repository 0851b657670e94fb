/**
 * Reads back what a PEM certificate says (subject, SANs, usages, validity, fingerprint) without its
 * key: what `ksctl certs check` shows and what a renewal copies into the new certificate.
 */
import { createHash, createPublicKey, X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { CertUsage } from './x509.js';

export interface CertificateFacts {
  /** The subject's common name. */
  commonName: string;
  /** Full subject, RFC 4514 (`O=ksctl, CN=...`). */
  subject: string;
  issuer: string;
  /** IP addresses and DNS names, in the certificate's order. */
  sans: string[];
  usages: CertUsage[];
  isCa: boolean;
  notBefore: Date;
  notAfter: Date;
  serial: string;
  /** sha256 of the DER, lower-case hex: identifies this exact certificate on a machine. */
  sha256: string;
}

/** Facts of one PEM certificate (the first, if a bundle). Throws on anything that is not a certificate. */
export function inspectCertificate(pem: string): CertificateFacts {
  const cert = new x509.X509Certificate(pem);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const usages: CertUsage[] = [];
  const ekus = (eku?.usages ?? []).map(String);
  if (ekus.includes(x509.ExtendedKeyUsage.serverAuth)) usages.push('server');
  if (ekus.includes(x509.ExtendedKeyUsage.clientAuth)) usages.push('client');
  const cn = cert.subjectName.getField('CN')[0] ?? '';
  return {
    commonName: cn,
    subject: cert.subject,
    issuer: cert.issuer,
    sans: (san?.names.items ?? []).filter((n) => n.type === 'ip' || n.type === 'dns').map((n) => n.value),
    usages,
    isCa: !!bc?.ca,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serial: cert.serialNumber,
    sha256: createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex'),
  };
}

/** sha256 (hex) of a file's exact bytes, as `sha256sum` prints it on a machine. */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Whether `keyPem` is the private key of `certPem`. A renewal writes the certificate and the key as two
 * entries; a crash between them leaves a pair that does not match, which the next run must re-issue.
 */
export function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  try {
    const fromCert = new NodeX509(certPem).publicKey.export({ type: 'spki', format: 'der' });
    const fromKey = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
    return Buffer.compare(fromCert, fromKey) === 0;
  } catch {
    return false;
  }
}
