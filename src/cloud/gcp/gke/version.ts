/**
 * Which GKE version and release channel to ask for: the spec's `1.36` (or `1.36.2-gke.1000`) must be
 * offered by getServerConfig — in the REGULAR channel (preferred: GKE keeps it patched), else as a
 * static version outside any channel. No version: the REGULAR channel's default.
 */
import { byVersion, minorOf } from '../../../api/catalog.js';
import { InputError } from '../../../errors.js';
import type { GkeServerConfig } from '../sdk.js';

export interface GkeVersion {
  version: string;
  /** REGULAR, or undefined for a static version outside a channel. */
  channel?: 'REGULAR';
}

export function resolveGkeVersion(wanted: string | undefined, cfg: GkeServerConfig, region: string): GkeVersion {
  const regularChannel = cfg.channels?.find((c) => String(c.channel) === 'REGULAR');
  // No version: GKE's default, in the REGULAR channel (GKE's own default channel for new clusters).
  if (wanted === undefined) {
    const version = regularChannel?.defaultVersion ?? cfg.defaultClusterVersion;
    if (!version)
      throw new InputError(`GKE in ${region} reports no default Kubernetes version`, ['spec.kubernetesVersion']);
    return regularChannel?.defaultVersion ? { version, channel: 'REGULAR' } : { version };
  }
  const prefix = /^\d+\.\d+$/.test(wanted.replace(/^v/, '')) ? `${minorOf(wanted)}.` : wanted.replace(/^v/, '');
  const match = (list: (string | null)[] | null | undefined) =>
    (list ?? []).find((v): v is string => !!v && v.startsWith(prefix));
  const regular = regularChannel;
  const inChannel = match(regular?.validVersions);
  if (inChannel) return { version: inChannel, channel: 'REGULAR' };
  const statik = match(cfg.validMasterVersions);
  if (statik) return { version: statik };
  const minors = [
    ...new Set([...(regular?.validVersions ?? []), ...(cfg.validMasterVersions ?? [])].map((v) => minorOf(String(v)))),
  ];
  throw new InputError(`GKE in ${region} does not offer Kubernetes ${wanted}`, ['spec.kubernetesVersion'], {
    hint: `available: ${minors.sort(byVersion).reverse().join(', ')}`,
  });
}
