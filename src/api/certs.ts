/**
 * Defaults and validation for the certificates ksctl issues and renews (`ksctl certs`): how long a
 * newly issued leaf certificate is valid, and when one counts as expiring.
 */
import { InputError } from '../errors.js';

/** Lifetime of a newly issued leaf certificate (etcd server, peer, API-server client). */
export const DEFAULT_CERT_VALIDITY_DAYS = 365;
/** A certificate with less than this left is `expiring`; `get cluster` warns and `certs renew` renews it. */
export const DEFAULT_RENEW_WITHIN_DAYS = 30;
/** Upper bound for either: the CA itself is valid 3650 days, a leaf must not outlive it. */
export const MAX_CERT_DAYS = 3650;
/**
 * Overrides the validity of certificates issued from now on, in days (fractions allowed: 0.003 is
 * about 4 minutes). For tests that need certificates which expire soon; not for production use.
 */
export const CERT_VALIDITY_ENV = 'KSCTL_CERT_VALIDITY_DAYS';

/** Validity of certificates issued by this process: `KSCTL_CERT_VALIDITY_DAYS`, else 365 days. */
export function certValidityDays(env: NodeJS.ProcessEnv): number {
  const raw = env[CERT_VALIDITY_ENV];
  if (raw === undefined || raw === '') return DEFAULT_CERT_VALIDITY_DAYS;
  const days = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(days > 0) || days > MAX_CERT_DAYS) {
    throw new InputError(
      `${CERT_VALIDITY_ENV} must be a number of days above 0 and at most ${MAX_CERT_DAYS} (e.g. 365, or 0.01 for tests), got ${JSON.stringify(raw.slice(0, 40))}`,
      [CERT_VALIDITY_ENV],
    );
  }
  return days;
}

/** What `certs renew` renews: every certificate ksctl issued, or those expiring within a number of days. */
export type RenewSelection = { all: true } | { all: false; withinDays: number };

/**
 * `--within 30d` (or `30`) → 30. Days only: certificates are renewed weeks ahead, and one unit keeps
 * `30m` (minutes or months?) from being misread.
 */
export function parseWithin(value: string, field = '--within'): number {
  const m = /^(\d{1,4})d?$/.exec(value.trim());
  const days = m ? Number(m[1]) : NaN;
  if (!m || days < 1 || days > MAX_CERT_DAYS) {
    throw new InputError(
      `${field} must be whole days from 1 to ${MAX_CERT_DAYS}, like 30d; got ${JSON.stringify(value.slice(0, 40))}`,
      [field],
    );
  }
  return days;
}

/** The selection behind `--within` / `--all` (not both); default: expiring within 30 days. */
export function renewSelection(flags: { within?: string; all?: boolean }): RenewSelection {
  if (flags.all && flags.within !== undefined)
    throw new InputError('--all and --within are alternatives: give one', ['--all', '--within']);
  if (flags.all) return { all: true };
  return { all: false, withinDays: flags.within === undefined ? DEFAULT_RENEW_WITHIN_DAYS : parseWithin(flags.within) };
}
