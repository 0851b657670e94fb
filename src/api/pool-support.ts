/**
 * What each kind of cluster can do with node pools today. Validation refuses the rest (exit 2) instead
 * of dropping it: a pool whose labels or taints were silently not applied is worse than an error.
 */
import type { ClusterType, Provider } from './types.js';

export interface PoolSupport {
  /** More pools than the default one (`workers`), or a default pool with more than `workers` says. */
  pools: boolean;
  labels: boolean;
  taints: boolean;
  spot: boolean;
  zones: boolean;
  /** Why the refused features are refused, for the message. */
  why: string;
}

/**
 * EKS, AKS and GKE pools take zones: EKS places a node group in the cluster's subnets in those zones,
 * AKS sets the agent pool's availabilityZones, GKE its node pool's locations. Each cloud checks them
 * against the region's zones before any change (the create preflight, a day-2 pool change).
 */
const MANAGED_CLOUD: PoolSupport = {
  pools: true,
  labels: true,
  taints: true,
  spot: true,
  zones: true,
  why: 'managed pools support all of these',
};

export function poolSupport(provider: Provider, type: ClusterType): PoolSupport {
  if (type === 'selfmanaged') {
    // ksctl creates (or, on the ssh provider, is given) each pool's machines and joins them with the
    // pool's labels and taints as kubelet flags. Zones stay ksctl's: workers are spread over the
    // network's zones by their index, and a pool pinned to zones would need subnets there too.
    return {
      pools: true,
      labels: true,
      taints: true,
      spot: true,
      zones: false,
      why:
        provider === 'ssh'
          ? 'the ssh provider uses the machines you list, which are where they are'
          : 'self-managed workers are spread over the network zones ksctl creates (pool zones: GKE only so far)',
    };
  }
  if (provider === 'local') {
    return {
      pools: true,
      labels: true,
      taints: false,
      spot: false,
      zones: false,
      why: 'kind nodes take labels but no taints, and run on this machine (no spot, no zones)',
    };
  }
  return MANAGED_CLOUD;
}
