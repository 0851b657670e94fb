/** Reads every certificate ksctl issued for a cluster from its SecretStore and judges each. */
import { inspectCertificate, keyMatchesCertificate } from '../../distro/pki/inspect.js';
import { ProviderError } from '../../errors.js';
import type { ClusterState, SecretStore } from '../../state/types.js';
import { issuedCertificates } from './inventory.js';
import { reportOf, type CertReport } from './status.js';

export async function readReports(
  s: ClusterState,
  secrets: SecretStore,
  now: Date,
  withinDays: number,
): Promise<CertReport[]> {
  const out: CertReport[] = [];
  for (const c of issuedCertificates(s, await secrets.list())) {
    const pem = await secrets.get(c.certSecret);
    if (pem === undefined) continue; // listed a moment ago, removed since: nothing to report
    let facts;
    try {
      facts = inspectCertificate(pem);
    } catch (e) {
      // The entry name only: its content is never echoed.
      throw new ProviderError(
        `secret ${c.certSecret} of ${s.id.name} is not a readable certificate (${(e as Error).message.split('\n')[0]})`,
      );
    }
    const key = await secrets.get(c.keySecret);
    out.push(reportOf(c, facts, key !== undefined && keyMatchesCertificate(pem, key), now, withinDays));
  }
  return out;
}
