/**
 * Static facts per provider: regions, default sizes, Kubernetes versions. Kept as data so validation,
 * prompts and docs all read the same lists. Live checks (is the region enabled for this account, is the
 * instance type offered there) happen in each provider's preflight before any mutation.
 */
import type { ClusterType, Provider } from './types.js';

export const REGIONS: Record<Exclude<Provider, 'ssh'>, readonly string[]> = {
  aws: [
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
    'af-south-1',
    'ap-east-1',
    'ap-south-1',
    'ap-south-2',
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'ca-central-1',
    'ca-west-1',
    'eu-central-1',
    'eu-central-2',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'eu-south-1',
    'eu-south-2',
    'eu-north-1',
    'il-central-1',
    'me-south-1',
    'me-central-1',
    'sa-east-1',
  ],
  azure: [
    'eastus',
    'eastus2',
    'centralus',
    'northcentralus',
    'southcentralus',
    'westcentralus',
    'westus',
    'westus2',
    'westus3',
    'canadacentral',
    'canadaeast',
    'brazilsouth',
    'northeurope',
    'westeurope',
    'uksouth',
    'ukwest',
    'francecentral',
    'germanywestcentral',
    'switzerlandnorth',
    'norwayeast',
    'swedencentral',
    'polandcentral',
    'italynorth',
    'uaenorth',
    'southafricanorth',
    'centralindia',
    'southindia',
    'japaneast',
    'japanwest',
    'koreacentral',
    'eastasia',
    'southeastasia',
    'australiaeast',
    'australiasoutheast',
  ],
  gcp: [
    'us-central1',
    'us-east1',
    'us-east4',
    'us-east5',
    'us-south1',
    'us-west1',
    'us-west2',
    'us-west3',
    'us-west4',
    'northamerica-northeast1',
    'northamerica-northeast2',
    'southamerica-east1',
    'southamerica-west1',
    'europe-west1',
    'europe-west2',
    'europe-west3',
    'europe-west4',
    'europe-west6',
    'europe-west8',
    'europe-west9',
    'europe-west10',
    'europe-west12',
    'europe-north1',
    'europe-central2',
    'europe-southwest1',
    'asia-east1',
    'asia-east2',
    'asia-northeast1',
    'asia-northeast2',
    'asia-northeast3',
    'asia-south1',
    'asia-south2',
    'asia-southeast1',
    'asia-southeast2',
    'australia-southeast1',
    'australia-southeast2',
    'me-west1',
    'me-central1',
    'africa-south1',
  ],
  local: ['local'],
};

/** The `ssh` provider has no regions: the "region" is a free label (a site, a rack) defaulting to this. */
export const SSH_DEFAULT_REGION = 'default';

export const DEFAULT_REGION: Record<Provider, string> = {
  aws: 'us-east-1',
  azure: 'eastus',
  gcp: 'us-central1',
  local: 'local',
  ssh: SSH_DEFAULT_REGION,
};

export interface RoleSizes {
  controlplane: string;
  worker: string;
  etcd: string;
  loadbalancer: string;
}

export const DEFAULT_SIZES: Record<Provider, RoleSizes> = {
  aws: { controlplane: 't3.medium', worker: 't3.large', etcd: 't3.small', loadbalancer: 't3.micro' },
  azure: { controlplane: 'Standard_B2s', worker: 'Standard_B2ms', etcd: 'Standard_B1ms', loadbalancer: 'Standard_B1s' },
  gcp: { controlplane: 'e2-medium', worker: 'e2-standard-2', etcd: 'e2-small', loadbalancer: 'e2-micro' },
  local: { controlplane: '', worker: '', etcd: '', loadbalancer: '' },
  ssh: { controlplane: '', worker: '', etcd: '', loadbalancer: '' },
};

/** Which cluster types a provider supports. */
export const PROVIDER_TYPES: Record<Provider, readonly ClusterType[]> = {
  aws: ['managed', 'selfmanaged'],
  azure: ['managed', 'selfmanaged'],
  gcp: ['managed', 'selfmanaged'],
  local: ['managed'],
  ssh: ['selfmanaged'],
};

/**
 * The Kubernetes versions ksctl offers, kept here only (docs/versions.md is generated from it).
 * Checked against upstream on KUBERNETES_CHECKED: kubernetes.io's supported releases, k3s's release
 * channels (https://update.k3s.io/v1-release/channels: one channel per minor, named `v1.36`), the
 * per-minor kubeadm package repositories (pkgs.k8s.io/core:/stable:/v1.36/deb/) and kind's latest
 * release notes. Re-check when upstream releases a minor (about every four months).
 */
export const KUBERNETES_CHECKED = '2026-12-07';

/**
 * Self-managed (k3s, kubeadm): the minors upstream supports, newest first. A minor installs the newest
 * patch of that minor at install time; the version actually installed is read back from each machine.
 */
export const SELF_MANAGED_MINORS = ['1.37', '1.36', '1.35'] as const;

/** The newest upstream patch on KUBERNETES_CHECKED (for docs and examples; never pinned by ksctl). */
export const NEWEST_KUBERNETES_PATCH = 'v1.37.2';

/** Self-managed default: the newest supported minor. Managed clusters default to the cloud's own. */
export const DEFAULT_KUBERNETES_VERSION: string = SELF_MANAGED_MINORS[0];

/** k3s's channel server: `<url>/<channel>` redirects to the newest release of that channel. */
export const K3S_CHANNEL_URL = 'https://update.k3s.io/v1-release/channels';

/**
 * kind (its latest release on KUBERNETES_CHECKED): with no version ksctl passes no `--image`, so kind
 * uses its own default; a minor maps to this release's image for it (digest-pinned, as kind asks);
 * a full version `1.36.4` asks for `kindest/node:v1.36.4`.
 */
export const KIND = {
  release: 'v0.33.0',
  defaultImage: 'kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5',
  images: {
    '1.37': 'kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5',
    '1.36': 'kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed',
    '1.35': 'kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0',
  } as Record<string, string>,
} as const;

/** What a managed create says before the cloud was asked (dry run, no credentials). */
export const CLOUD_DEFAULT_VERSION = "the cloud's default (resolved at create)";

/** `1.36` or `1.36.2` (a leading `v` is accepted): the only forms ksctl takes. */
export const VERSION_FORM = /^v?\d+\.\d+(\.\d+)?$/;

/** A full version (`1.36.2`, `v1.36.2`), as opposed to a minor. */
export function isPatchVersion(version: string): boolean {
  return /^v?\d+\.\d+\.\d+$/.test(version);
}

/**
 * The minors the spec's version is checked against locally: self-managed the window; kind the minors
 * its release has images for (any full version passes); the managed clouds none (their live list
 * decides, in preflight).
 */
export function supportedVersions(provider: Provider, type: ClusterType): readonly string[] | undefined {
  if (type === 'selfmanaged') return SELF_MANAGED_MINORS;
  if (provider === 'local') return Object.keys(KIND.images);
  return undefined;
}

/** Orders `1.9` before `1.10` (numeric per part; any suffix after the numbers is ignored). */
export function byVersion(a: string, b: string): number {
  const parts = (v: string) => (/^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v) ?? []).slice(1).map((x) => Number(x ?? 0));
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** `1.31.4` → `1.31`. */
export function minorOf(version: string): string {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  return m ? `${m[1]}.${m[2]}` : version;
}
