/**
 * Static facts per provider: regions, default sizes, Kubernetes versions. Kept as data so validation,
 * prompts and docs all read the same lists. Live checks (is the region enabled for this account, is the
 * instance type offered there) happen in each provider's preflight before any mutation.
 */
import type { ClusterType, Distribution, Provider } from './types.js';

export const REGIONS: Record<Exclude<Provider, 'ssh'>, readonly string[]> = {
  aws: [
    'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-south-1', 'ap-south-2',
    'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3',
    'ap-southeast-4', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2',
    'eu-west-3', 'eu-south-1', 'eu-south-2', 'eu-north-1', 'il-central-1', 'me-south-1', 'me-central-1',
    'sa-east-1',
  ],
  azure: [
    'eastus', 'eastus2', 'centralus', 'northcentralus', 'southcentralus', 'westcentralus', 'westus', 'westus2',
    'westus3', 'canadacentral', 'canadaeast', 'brazilsouth', 'northeurope', 'westeurope', 'uksouth', 'ukwest',
    'francecentral', 'germanywestcentral', 'switzerlandnorth', 'norwayeast', 'swedencentral', 'polandcentral',
    'italynorth', 'uaenorth', 'southafricanorth', 'centralindia', 'southindia', 'japaneast', 'japanwest',
    'koreacentral', 'eastasia', 'southeastasia', 'australiaeast', 'australiasoutheast',
  ],
  gcp: [
    'us-central1', 'us-east1', 'us-east4', 'us-east5', 'us-south1', 'us-west1', 'us-west2', 'us-west3',
    'us-west4', 'northamerica-northeast1', 'northamerica-northeast2', 'southamerica-east1', 'southamerica-west1',
    'europe-west1', 'europe-west2', 'europe-west3', 'europe-west4', 'europe-west6', 'europe-west8',
    'europe-west9', 'europe-west10', 'europe-west12', 'europe-north1', 'europe-central2', 'europe-southwest1',
    'asia-east1', 'asia-east2', 'asia-northeast1', 'asia-northeast2', 'asia-northeast3', 'asia-south1',
    'asia-south2', 'asia-southeast1', 'asia-southeast2', 'australia-southeast1', 'australia-southeast2',
    'me-west1', 'me-central1', 'africa-south1',
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

/** Kubernetes minor versions ksctl knows how to install or request, newest first. */
export const KUBERNETES_VERSIONS = {
  selfmanaged: ['1.32', '1.31', '1.30', '1.29'],
  aws: ['1.32', '1.31', '1.30', '1.29'],
  azure: ['1.32', '1.31', '1.30', '1.29'],
  gcp: ['1.32', '1.31', '1.30', '1.29'],
  local: ['1.32', '1.31', '1.30', '1.29'],
} as const;

export const DEFAULT_KUBERNETES_VERSION = '1.31';

/** Full patch versions each distribution installs for a minor version (pinned, recorded in state). */
export const DISTRIBUTION_VERSIONS: Record<Distribution, Record<string, string>> = {
  k3s: { '1.32': 'v1.32.3+k3s1', '1.31': 'v1.31.7+k3s1', '1.30': 'v1.30.11+k3s1', '1.29': 'v1.29.15+k3s1' },
  kubeadm: { '1.32': '1.32.3', '1.31': '1.31.7', '1.30': '1.30.11', '1.29': '1.29.15' },
};

/** kind node images by Kubernetes minor (kind v0.27 release notes). */
export const KIND_NODE_IMAGES: Record<string, string> = {
  '1.32': 'kindest/node:v1.32.2',
  '1.31': 'kindest/node:v1.31.6',
  '1.30': 'kindest/node:v1.30.10',
  '1.29': 'kindest/node:v1.29.14',
};

export function supportedVersions(provider: Provider, type: ClusterType): readonly string[] {
  if (type === 'selfmanaged') return KUBERNETES_VERSIONS.selfmanaged;
  return KUBERNETES_VERSIONS[provider as keyof typeof KUBERNETES_VERSIONS] ?? KUBERNETES_VERSIONS.selfmanaged;
}

/** `1.31.4` → `1.31`. */
export function minorOf(version: string): string {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  return m ? `${m[1]}.${m[2]}` : version;
}
