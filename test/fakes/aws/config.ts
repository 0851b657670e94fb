/** What the fake cloud offers and how fast it is: regions, zones, instance types, quotas, versions, latencies. */

export interface FakeLatencies {
  /** pending → running. */
  instanceStart: number;
  /** shutting-down → terminated. */
  instanceTerminate: number;
  /** A terminated instance's ENI keeps its subnet/security groups busy this much longer. */
  eniRelease: number;
  eksCluster: number;
  eksClusterDelete: number;
  nodegroup: number;
  nodegroupDelete: number;
  /** A new IAM role cannot be assumed by EKS until this much later. */
  iamPropagation: number;
  /** Every API call takes this much fake time (0 = instant). */
  api: number;
  /** Eventual consistency: a new instance is missed by filtered DescribeInstances for this long. */
  tagIndexLag: number;
}

export interface FakeRegion {
  name: string;
  optIn: 'opt-in-not-required' | 'opted-in' | 'not-opted-in';
  zones: string[];
  /**
   * Zone name → zone ID for this (fake) account. AWS maps names to the physical zones (IDs)
   * differently in every account; unlisted zones get `<region code>-az<n>` in name order.
   */
  zoneIds?: Record<string, string>;
}

export interface FakeInstanceType {
  vcpus: number;
  arch: 'x86_64' | 'arm64';
  memoryMiB: number;
}

export interface FakeConfig {
  account: string;
  regions: FakeRegion[];
  instanceTypes: Record<string, FakeInstanceType>;
  /** Types a whole region does not offer. */
  notOffered: Record<string, string[]>;
  /** Types a single zone does not offer. */
  notOfferedInZone: Record<string, string[]>;
  /** EC2 vCPU quotas by region (default applies elsewhere). */
  quotas: Record<string, { onDemand: number; spot: number }>;
  defaultQuota: { onDemand: number; spot: number };
  eksVersions: { version: string; status: 'STANDARD_SUPPORT' | 'EXTENDED_SUPPORT'; default?: boolean }[];
  latencies: FakeLatencies;
  /** Page size the fake uses for listings the provider must page through. */
  pageSize: number;
  /** Addresses to give instances by their Name tag (to map machines onto real SSH test hosts). */
  ipMap: Record<string, { privateIp?: string; publicIp?: string }>;
  /** Zone IDs where EKS refuses cluster subnets (UnsupportedAvailabilityZoneException). */
  eksUnsupportedZoneIds: string[];
}

const T3 = (vcpus: number, memoryMiB: number): FakeInstanceType => ({ vcpus, arch: 'x86_64', memoryMiB });

export function defaultConfig(): FakeConfig {
  return {
    account: '123456789012',
    regions: [
      {
        name: 'us-east-1',
        optIn: 'opt-in-not-required',
        zones: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f'],
        // An account whose us-east-1a is use1-az3, the zone EKS control planes cannot use.
        zoneIds: {
          'us-east-1a': 'use1-az3',
          'us-east-1b': 'use1-az1',
          'us-east-1c': 'use1-az2',
          'us-east-1d': 'use1-az4',
          'us-east-1e': 'use1-az5',
          'us-east-1f': 'use1-az6',
        },
      },
      {
        name: 'us-west-2',
        optIn: 'opt-in-not-required',
        zones: ['us-west-2a', 'us-west-2b', 'us-west-2c', 'us-west-2d'],
      },
      { name: 'eu-west-1', optIn: 'opt-in-not-required', zones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] },
      {
        name: 'eu-central-1',
        optIn: 'opt-in-not-required',
        zones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
      },
      { name: 'ap-east-1', optIn: 'not-opted-in', zones: ['ap-east-1a', 'ap-east-1b', 'ap-east-1c'] },
    ],
    instanceTypes: {
      't3.micro': T3(2, 1024),
      't3.small': T3(2, 2048),
      't3.medium': T3(2, 4096),
      't3.large': T3(2, 8192),
      't3.xlarge': T3(4, 16384),
      'm5.large': T3(2, 8192),
      'm5.xlarge': T3(4, 16384),
      'c5.large': T3(2, 4096),
      'c5.4xlarge': T3(16, 32768),
      't4g.medium': { vcpus: 2, arch: 'arm64', memoryMiB: 4096 },
      'm7g.large': { vcpus: 2, arch: 'arm64', memoryMiB: 8192 },
      'p5.48xlarge': T3(192, 2097152),
    },
    notOffered: { 'eu-west-1': ['p5.48xlarge'], 'eu-central-1': ['p5.48xlarge'] },
    // Like the real us-east-1e, which lacks most newer types.
    notOfferedInZone: { 'us-east-1e': ['m7g.large', 't4g.medium', 'p5.48xlarge', 'c5.4xlarge'] },
    quotas: {},
    defaultQuota: { onDemand: 64, spot: 64 },
    // As DescribeClusterVersions answers in December 2026: three minors in standard support, three
    // in extended support (paid), and EKS's default one below the newest.
    eksVersions: [
      { version: '1.37', status: 'STANDARD_SUPPORT' },
      { version: '1.36', status: 'STANDARD_SUPPORT', default: true },
      { version: '1.35', status: 'STANDARD_SUPPORT' },
      { version: '1.34', status: 'EXTENDED_SUPPORT' },
      { version: '1.33', status: 'EXTENDED_SUPPORT' },
      { version: '1.32', status: 'EXTENDED_SUPPORT' },
    ],
    latencies: {
      instanceStart: 30_000,
      instanceTerminate: 30_000,
      eniRelease: 5_000,
      eksCluster: 600_000,
      eksClusterDelete: 300_000,
      nodegroup: 180_000,
      nodegroupDelete: 180_000,
      iamPropagation: 8_000,
      api: 0,
      tagIndexLag: 0,
    },
    pageSize: 1000,
    ipMap: {},
    // The EKS user guide's list (network requirements: subnets).
    eksUnsupportedZoneIds: ['use1-az3', 'usw1-az2', 'cac1-az3'],
  };
}
