/**
 * Renewal of a leaf certificate: a new key and certificate from the same CA with the same subject,
 * SANs and usages as the one it replaces, so every peer and client that trusted it still does.
 */
import { inspectCertificate } from './inspect.js';
import { issueCertificate, type CertificateAndKey, type ValidityOptions } from './x509.js';

export async function reissueCertificate(
  ca: CertificateAndKey,
  current: string,
  validity: ValidityOptions,
): Promise<CertificateAndKey> {
  const old = inspectCertificate(current);
  if (old.isCa) throw new Error(`${old.subject} is a CA: ksctl keeps its CAs and renews only leaf certificates`);
  if (old.usages.length === 0) throw new Error(`${old.subject} has no server or client usage ksctl knows how to renew`);
  const org = /(?:^|,\s*)O=([^,]+)/.exec(old.subject)?.[1];
  return issueCertificate(ca, {
    ...validity,
    commonName: old.commonName,
    ...(org ? { organization: org } : {}),
    sans: old.sans,
    usages: old.usages,
  });
}
