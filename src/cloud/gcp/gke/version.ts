/**
 * Which GKE version and release channel to ask for: the spec's `1.31` (or `1.31.4-gke.1000`) must be
 * offered by getServerConfig — in the REGULAR channel (preferred: GKE keeps it patched), else as a
 * static version outside any channel.
 */
import { minorOf } from '../../../api/catalog.js';
import { InputError } from '../../../errors.js';
import type { GkeServerConfig } from '../sdk.js';

export interface GkeVersion {
  version: string;
  /** REGULAR, or undefined for a static version outside a channel. */
  channel?: 'REGULAR';
}

export function resolveGkeVersion(wanted: string, cfg: GkeServerConfig, region: string): GkeVersion {
  const prefix = /^\d+\.\d+$/.test(wanted.replace(/^v/, '')) ? `${minorOf(wanted)}.` : wanted.replace(/^v/, '');
  const match = (list: (string | null)[] | null | undefined) => (list ?? []).find((v): v is string => !!v && v.startsWith(prefix));
  const regular = cfg.channels?.find((c) => String(c.channel) === 'REGULAR');
  const inChannel = match(regular?.validVersions);
  if (inChannel) return { version: inChannel, channel: 'REGULAR' };
  const statik = match(cfg.validMasterVersions);
  if (statik) return { version: statik };
  const minors = [...new Set([...(regular?.validVersions ?? []), ...(cfg.validMasterVersions ?? [])].map((v) => minorOf(String(v))))];
  throw new InputError(`GKE in ${region} does not offer Kubernetes ${wanted}`, ['spec.kubernetesVersion'], {
    hint: `available: ${minors.sort().reverse().join(', ')}`,
  });
}
