/**
 * Deterministic names, labels and request ids. Instances, disks and GKE clusters carry labels
 * (`ksctl-io-cluster`, `ksctl-io-role`, `ksctl-io-resource`); networks, subnetworks and firewall
 * rules have no labels in the Compute API, so they carry a deterministic name and an ownership
 * marker in their description instead. GCP label keys and values allow only lowercase letters,
 * digits, `-` and `_` (at most 63 characters).
 */
import { createHash } from 'node:crypto';
import type { ClusterSpec } from '../../api/types.js';
import { tokenHash } from '../common/incarnation.js';

export const LABEL_CLUSTER = 'ksctl-io-cluster';
export const LABEL_ROLE = 'ksctl-io-role';
export const LABEL_RESOURCE = 'ksctl-io-resource';
export const LABEL_MACHINE = 'ksctl-io-machine';

export type Arch = 'amd64' | 'arm64';

/**
 * Compute machine series with Arm CPUs: T2A (Ampere Altra), C4A and N4A (Google Axion), A4X
 * (NVIDIA Grace). Compute refuses to boot an image of the other architecture.
 */
const ARM_SERIES = new Set(['t2a', 'c4a', 'n4a', 'a4x']);
export const archOfMachineType = (machineType: string): Arch =>
  ARM_SERIES.has(machineType.split('-')[0] ?? '') ? 'arm64' : 'amd64';

/** Canonical's Ubuntu 24.04 LTS image family for an architecture (`ubuntu-2404-lts-amd64` / `-arm64`). */
export const ubuntuImage = (arch: Arch) => ({ project: 'ubuntu-os-cloud', family: `ubuntu-2404-lts-${arch}` }) as const;

type Spec = Pick<ClusterSpec, 'name' | 'region'>;

/** `gcp/<region>/<name>`: the cluster's id in descriptions and records. */
export const clusterKey = (spec: Spec) => `gcp/${spec.region}/${spec.name}`;

export function shortHash(text: string, len = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, len);
}

/** A valid label value: lowercase, `[a-z0-9_-]`, at most 63 characters (hashed when longer). */
export function labelValue(text: string): string {
  const clean = text.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  return clean.length <= 63 ? clean : `${clean.slice(0, 54)}-${shortHash(clean)}`;
}

/** A valid Compute resource name (RFC 1035, at most 63 characters, hashed when longer). */
export function gceName(base: string): string {
  let clean = base.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (!/^[a-z]/.test(clean)) clean = `k-${clean}`;
  if (clean.length > 63) clean = `${clean.slice(0, 54)}-${shortHash(base)}`;
  return clean.replace(/-+$/, '');
}

/** The value of every `ksctl-io-cluster` label of this cluster. */
export const clusterLabel = (spec: Spec) => labelValue(`${spec.region}_${spec.name}`);

export function labelsFor(
  spec: Spec,
  resource: string,
  role: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    [LABEL_CLUSTER]: clusterLabel(spec),
    [LABEL_ROLE]: labelValue(role),
    [LABEL_RESOURCE]: labelValue(resource),
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, labelValue(v)])),
  };
}

/** `labels.ksctl-io-cluster = "<value>"`: the Compute list filter of a label sweep. */
export const clusterFilter = (spec: Spec) => `labels.${LABEL_CLUSTER} = "${clusterLabel(spec)}"`;

/** Description of unlabelled resources; `ownedBy` recognises it. */
export const ownerDescription = (spec: Spec, what: string) => `ksctl ${what} [${clusterKey(spec)}]`;
export const ownedBy = (description: string | null | undefined, spec: Spec) =>
  (description ?? '').endsWith(`[${clusterKey(spec)}]`);

// Networks and firewalls are global per project: the region is part of their names.
export const networkName = (spec: Spec) => gceName(`ksctl-${spec.name}-${spec.region}`);
export const subnetName = (spec: Spec) => gceName(`ksctl-${spec.name}-${spec.region}`);
export const firewallPrefix = (spec: Spec) => gceName(`ksctl-${spec.name}-${spec.region}`).slice(0, 40);
export const firewallName = (spec: Spec, role: string, source: string) =>
  gceName(`${firewallPrefix(spec)}-${role}-from-${source}`);
/** Network tag of a role's instances (firewall targets and sources). */
export const roleTag = (spec: Spec, role: string) => gceName(`ksctl-${shortHash(clusterKey(spec))}-${role}`);
export const instanceName = (machine: string) => gceName(machine);

/**
 * A Compute `requestId`: a UUID derived from (cluster incarnation, operation, request, generation),
 * so a retried or re-run insert is recognised by GCP as the same request (for about an hour) and
 * creates nothing new — while a cluster deleted and created again within that hour, or a changed
 * request, gets a new id instead of the old finished operation (which would create nothing).
 */
export function requestId(spec: Spec, incarnation: string, what: string, params: unknown, generation = 0): string {
  const h = tokenHash(`${clusterKey(spec)}/${what}/${generation}`, incarnation, params);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
