/** `get cluster`'s one-line warnings about certificates ksctl issued that expire soon (or have). */
import { DEFAULT_RENEW_WITHIN_DAYS } from '../../api/certs.js';
import type { ClusterState, StateStore } from '../../state/types.js';
import { readReports } from './report.js';
import { needsAttention } from './status.js';

export async function certificateWarnings(store: StateStore, s: ClusterState, now = new Date()): Promise<string[]> {
  if (s.type !== 'selfmanaged') return [];
  let bad;
  try {
    bad = needsAttention(await readReports(s, store.secrets(s.id), now, DEFAULT_RENEW_WITHIN_DAYS));
  } catch (e) {
    // Describing the cluster must still work; the message names the entry, never its content.
    return [`could not read the cluster's certificates: ${(e as Error).message.split('\n')[0]}`];
  }
  if (bad.length === 0) return [];
  const expired = bad.filter((r) => r.status === 'expired').map((r) => r.id);
  const expiring = bad.filter((r) => r.status === 'expiring').map((r) => r.id);
  const broken = bad.filter((r) => r.keyMatches === false && r.status === 'ok').map((r) => r.id);
  const parts = [
    ...(expired.length ? [`expired: ${expired.join(', ')}`] : []),
    ...(expiring.length ? [`expiring within ${DEFAULT_RENEW_WITHIN_DAYS} days: ${expiring.join(', ')}`] : []),
    ...(broken.length ? [`key does not match: ${broken.join(', ')}`] : []),
  ];
  return [
    `certificates ${parts.join('; ')} — run 'ksctl certs renew ${s.id.name}' (see 'ksctl certs check ${s.id.name}')`,
  ];
}
