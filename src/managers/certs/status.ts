/**
 * Verdicts on certificates, as pure data (a test feeds dates and reads the decision): how long each
 * has left, whether it is ok, expiring or expired, and which ones a renewal must re-issue.
 */
import type { RenewSelection } from '../../api/certs.js';
import type { CertificateFacts } from '../../distro/pki/inspect.js';
import { BACKDATE_MS } from '../../distro/pki/x509.js';
import type { IssuedCert } from './inventory.js';

const DAY_MS = 86_400_000;

export type CertStatus = 'ok' | 'expiring' | 'expired';

/** One row of `ksctl certs check`: public facts only (no key, no PEM). */
export interface CertReport {
  id: string;
  kind: IssuedCert['kind'];
  member: string | null;
  usedBy: string[];
  renewable: boolean;
  subject: string;
  sans: string[];
  notBefore: string;
  notAfter: string;
  /** Whole days left (negative once expired). */
  daysLeft: number;
  status: CertStatus;
  /** False when the stored key is not the certificate's (a renewal interrupted between the two writes). */
  keyMatches: boolean;
}

/** `expired` at or after not-after, `expiring` with less than `withinDays` left, else `ok`. */
export function classify(notAfter: Date, now: Date, withinDays: number): { status: CertStatus; daysLeft: number } {
  const left = notAfter.getTime() - now.getTime();
  const daysLeft = Math.floor(left / DAY_MS);
  if (left <= 0) return { status: 'expired', daysLeft };
  return { status: left < withinDays * DAY_MS ? 'expiring' : 'ok', daysLeft };
}

export function reportOf(
  c: IssuedCert,
  facts: CertificateFacts,
  keyMatches: boolean,
  now: Date,
  withinDays: number,
): CertReport {
  return {
    id: c.id,
    kind: c.kind,
    member: c.member ?? null,
    usedBy: c.usedBy,
    renewable: c.renewable,
    subject: facts.subject,
    sans: facts.sans,
    notBefore: facts.notBefore.toISOString(),
    notAfter: facts.notAfter.toISOString(),
    ...classify(facts.notAfter, now, withinDays),
    keyMatches,
  };
}

/**
 * Whether a renewal re-issues this certificate. `--all` renews what was issued before the renewal
 * began (`since`, kept across re-runs), so a re-run after a failure does not renew twice; `--within`
 * renews what expires within that many days. A broken pair is always re-issued.
 */
export function isDue(r: CertReport, sel: RenewSelection, now: Date, since: Date): boolean {
  if (!r.renewable) return false;
  if (!r.keyMatches) return true;
  // Issued certificates start BACKDATE_MS before they were made (and on a whole second).
  if (sel.all) return new Date(r.notBefore).getTime() < since.getTime() - BACKDATE_MS - 1000;
  return new Date(r.notAfter).getTime() - now.getTime() < sel.withinDays * DAY_MS;
}

/** Anything that needs attention within `withinDays` (CAs included): `get cluster`'s warning. */
export function needsAttention(reports: readonly CertReport[]): CertReport[] {
  return reports.filter((r) => r.status !== 'ok' || !r.keyMatches);
}
