/**
 * Which upgrades ksctl takes: Kubernetes' version skew policy allows the control plane one minor at a
 * time (kubeadm refuses more: "Specified version to upgrade to ... is too high"), never down. Checked
 * before anything is touched; the message gives the steps to take instead.
 */
import { InputError } from '../errors.js';
import { byVersion, minorOf, supportedVersions, VERSION_FORM } from './catalog.js';
import type { ClusterType, Provider } from './types.js';

/** What an upgrade from `from` (the version running, e.g. `v1.36.4`) to `to` (`1.37` or `1.37.2`) is. */
export interface UpgradeStep {
  from: string;
  to: string;
  /** Same minor, newer patch. */
  patch: boolean;
}

/** The upgrade asked for, or exit 2 naming `--k8s-version` and what to do instead. */
export function checkUpgrade(provider: Provider, type: ClusterType, from: string, to: string): UpgradeStep {
  const field = ['--k8s-version'];
  if (!VERSION_FORM.test(to))
    throw new InputError(`--k8s-version: "${to}" is not a version; use a minor (1.37) or a patch (1.37.2)`, field);
  const [fromMinor, toMinor] = [minorOf(from), minorOf(to)];
  const [fm, tm] = [Number(fromMinor.split('.')[1]), Number(toMinor.split('.')[1])];
  const major = (v: string) => v.replace(/^v/, '').split('.')[0];
  if (major(from) !== major(to))
    throw new InputError(`--k8s-version: ${to} is another major version than the cluster's ${from}`, field);
  // A minor (`1.37`) means its newest patch: compared by minor alone.
  const isMinor = to.replace(/^v/, '').split('.').length === 2;
  const older = isMinor ? tm < fm : byVersion(to, from) < 0;
  if (older)
    throw new InputError(
      `--k8s-version: ${to} is older than the cluster's ${from}; Kubernetes cannot be downgraded`,
      field,
      {
        hint: 'restore a backup taken before the upgrade instead (ksctl backup restore)',
      },
    );
  if (tm - fm > 1) {
    const steps = Array.from({ length: tm - fm }, (_, i) => `--k8s-version 1.${fm + i + 1}`);
    throw new InputError(
      `--k8s-version: ${to} is ${tm - fm} minors above the cluster's ${from}; Kubernetes upgrades one minor at a time`,
      field,
      { hint: `upgrade in steps: ${steps.map((s) => `ksctl upgrade cluster ... ${s}`).join(', then ')}` },
    );
  }
  const known = supportedVersions(provider, type);
  if (known && !known.includes(toMinor))
    throw new InputError(`--k8s-version: ${toMinor} is not supported; supported minors: ${known.join(', ')}`, field);
  if (tm === fm && (isMinor || byVersion(to, from) === 0))
    throw new InputError(`--k8s-version: the cluster already runs ${from}`, field, {
      hint: `name a newer patch (e.g. ${fromMinor}.${Number(from.split('.')[2] ?? 0) + 1}) or the next minor`,
    });
  return { from, to, patch: tm === fm };
}

/**
 * `--in-place` is about the workers ksctl replaces itself: self-managed clusters on a cloud (the ssh
 * provider upgrades in place anyway). EKS, AKS and GKE surge and drain their own node pools, with the
 * cloud's settings; kind is not upgraded at all. Exit 2 naming the flag, before anything is touched.
 */
export function checkUpgradeMode(type: ClusterType, inPlace: boolean): void {
  if (inPlace && type !== 'selfmanaged')
    throw new InputError(
      "--in-place: a managed cluster's node pools are upgraded by the cloud itself (its own surge and drain settings), not by ksctl",
      ['--in-place'],
      { hint: 'drop --in-place' },
    );
}
