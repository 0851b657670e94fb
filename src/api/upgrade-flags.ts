/**
 * `ksctl upgrade cluster` flags → an UpgradeRequest, checked before anything is read or reached
 * (exit 2 naming the flag). The version itself is checked against the cluster's recorded versions by
 * checkUpgrade (./upgrade.ts), which needs the state.
 */
import { InputError } from '../errors.js';
import { VERSION_FORM } from './catalog.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, type UpgradeRequest } from './pool-change.js';

export interface UpgradeFlags {
  k8sVersion?: string;
  dryRun?: boolean;
  skipBackup?: boolean;
  drainTimeout?: string;
  force?: boolean;
  deleteEmptydirData?: boolean;
  inPlace?: boolean;
}

/** Longest drain wait taken: a day (a longer one is a typo, not a plan). */
const MAX_DRAIN_MS = 24 * 3_600_000;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** `300`, `300s`, `5m`, `1h30m` (kubectl's --timeout forms without fractions) → milliseconds. */
export function parseDrainTimeout(v: string): number {
  const field = ['--drain-timeout'];
  const text = v.trim();
  const bad = () =>
    new InputError(`--drain-timeout: "${v.slice(0, 40)}" is not a duration; use e.g. 300s, 5m or 1h`, field);
  if (/^\d{1,6}$/.test(text)) return check(Number(text) * 1000);
  if (!/^(\d{1,6}[hms])+$/.test(text)) throw bad();
  let ms = 0;
  for (const m of text.matchAll(/(\d+)([hms])/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return check(ms);

  function check(ms: number): number {
    if (ms < 1000 || ms > MAX_DRAIN_MS)
      throw new InputError(`--drain-timeout: ${v} is out of range; use between 1s and 24h`, field);
    return ms;
  }
}

export function upgradeRequest(flags: UpgradeFlags): UpgradeRequest {
  const to = flags.k8sVersion?.trim();
  if (!to)
    throw new InputError('--k8s-version must be set: the Kubernetes version to upgrade to (e.g. 1.37 or 1.37.2)', [
      '--k8s-version',
    ]);
  if (!VERSION_FORM.test(to))
    throw new InputError(
      `--k8s-version: "${to.slice(0, 40)}" is not a version; use a minor (1.37) or a patch (1.37.2)`,
      ['--k8s-version'],
    );
  return {
    to,
    drain: {
      timeoutMs: flags.drainTimeout === undefined ? DEFAULT_DRAIN_TIMEOUT_MS : parseDrainTimeout(flags.drainTimeout),
      force: !!flags.force,
      deleteEmptyDirData: !!flags.deleteEmptydirData,
    },
    dryRun: !!flags.dryRun,
    backup: !flags.skipBackup,
    inPlace: !!flags.inPlace,
  };
}
