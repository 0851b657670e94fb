/** What FakeAzure offers: regions, VM SKUs, quotas and AKS versions (adjustable per test via config). */
export interface FakeSku {
  name: string;
  vcpus: number;
  family: string;
  /** The `CpuArchitectureType` capability Azure lists (default x64). */
  arch?: 'x64' | 'Arm64';
  /** Regions where the SKU is listed but restricted for the subscription. */
  restrictedIn?: string[];
  /** Availability zones it is offered in, in every region (default 1, 2, 3). */
  zones?: string[];
}

export interface FakeAzureConfig {
  regions: string[];
  skus: FakeSku[];
  /** Quota limits by usage name (`cores`, `lowPriorityCores`, `standardBSFamily`...). */
  quotas: Record<string, number>;
  /** vCPUs in use by machines outside the fake's model, by usage name. */
  usedElsewhere: Record<string, number>;
  aksVersions: { version: string; patches: string[]; preview?: boolean; default?: boolean }[];
  /** Fake milliseconds each request takes (the clock advances by this per call). */
  tickMs: number;
  /** Fake milliseconds until an operation finishes, by resource type (last segment) and verb. */
  latencies: Record<string, number>;
  /**
   * Machine name → the addresses its public IP and NIC get instead of made-up ones, so that a VM
   * can BE an SSH test host (test/hosts). See addresses.ts for how a resource maps to its machine.
   */
  ipMap: Record<string, MappedAddress>;
}

export interface MappedAddress {
  publicIp?: string;
  privateIp?: string;
}

/** Marketplace images the fake knows (`publisher:offer:sku` → architecture): Canonical's Ubuntu 24.04. */
export const IMAGES: Record<string, 'x64' | 'Arm64'> = {
  'Canonical:ubuntu-24_04-lts:server': 'x64',
  'Canonical:ubuntu-24_04-lts:server-arm64': 'Arm64',
};

export function defaultConfig(): FakeAzureConfig {
  return {
    regions: ['eastus', 'westeurope'],
    skus: [
      { name: 'Standard_B1s', vcpus: 1, family: 'standardBSFamily' },
      { name: 'Standard_B1ms', vcpus: 1, family: 'standardBSFamily' },
      { name: 'Standard_B2s', vcpus: 2, family: 'standardBSFamily' },
      { name: 'Standard_B2ms', vcpus: 2, family: 'standardBSFamily' },
      { name: 'Standard_D2s_v5', vcpus: 2, family: 'standardDSv5Family' },
      { name: 'Standard_D4s_v5', vcpus: 4, family: 'standardDSv5Family' },
      { name: 'Standard_D2ps_v5', vcpus: 2, family: 'standardDPSv5Family', arch: 'Arm64' },
      { name: 'Standard_D4ps_v5', vcpus: 4, family: 'standardDPSv5Family', arch: 'Arm64' },
      { name: 'Standard_NC6s_v3', vcpus: 6, family: 'standardNCSv3Family', restrictedIn: ['eastus'] },
    ],
    quotas: {
      cores: 100,
      lowPriorityCores: 20,
      standardBSFamily: 40,
      standardDSv5Family: 40,
      standardDPSv5Family: 40,
      standardNCSv3Family: 0,
    },
    usedElsewhere: {},
    // As listKubernetesVersions answers in December 2026: the newest minor, AKS's default one below it,
    // the oldest supported one, and the next minor in preview.
    aksVersions: [
      { version: '1.37', patches: ['1.37.0', '1.37.1'] },
      { version: '1.36', patches: ['1.36.4', '1.36.6'], default: true },
      { version: '1.35', patches: ['1.35.8', '1.35.10'] },
      { version: '1.38', patches: ['1.38.0'], preview: true },
    ],
    tickMs: 1000,
    latencies: {
      'PUT virtualMachines': 8000,
      'DELETE virtualMachines': 6000,
      'PUT managedClusters': 20000,
      'DELETE managedClusters': 10000,
      'DELETE resourceGroups': 10000,
      PUT: 2000,
      DELETE: 2000,
    },
    ipMap: {},
  };
}
