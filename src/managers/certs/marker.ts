/**
 * A renewal in progress, kept in the cluster's directory until it succeeds: when it began and which
 * certificates it set out to renew. A re-run after a failure finishes that same renewal (and skips
 * its steps already done) instead of judging afresh, which would miss a certificate re-issued in
 * state but not yet on its machine. Not secret; kept beside the secrets because it is per cluster and
 * never shown.
 */
import type { SecretStore } from '../../state/types.js';

export const RENEWAL_MARKER = 'certs-renewal.json';

export interface RenewalMarker {
  startedAt: string;
  all: boolean;
  due: string[];
}

export async function readMarker(secrets: SecretStore): Promise<RenewalMarker | undefined> {
  const raw = await secrets.get(RENEWAL_MARKER);
  if (raw === undefined) return undefined;
  try {
    const m = JSON.parse(raw) as Partial<RenewalMarker>;
    if (typeof m.startedAt !== 'string' || Number.isNaN(Date.parse(m.startedAt)) || !Array.isArray(m.due))
      return undefined;
    return { startedAt: m.startedAt, all: !!m.all, due: m.due.filter((d): d is string => typeof d === 'string') };
  } catch {
    return undefined; // unreadable: start a new renewal (every step is level-based anyway)
  }
}

export function writeMarker(secrets: SecretStore, m: RenewalMarker): Promise<void> {
  return secrets.put(RENEWAL_MARKER, JSON.stringify(m));
}
