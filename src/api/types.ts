/**
 * The domain types every layer speaks. Plain TypeScript (no zod) so that light commands such as `get`
 * and `switch` can use them without loading the schema library; the zod schema in
 * `v1alpha1/schema.ts` is checked at compile time to produce exactly these shapes.
 */

import type { EtcdReleaseSpec } from './etcd-release.js';
import type { PackageRepositorySpec } from './package-repository.js';

export const PROVIDERS = ['aws', 'azure', 'gcp', 'local', 'ssh'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const CLUSTER_TYPES = ['managed', 'selfmanaged'] as const;
export type ClusterType = (typeof CLUSTER_TYPES)[number];

export const DISTRIBUTIONS = ['k3s', 'kubeadm'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** What a machine does in a self-managed cluster. */
export const ROLES = ['loadbalancer', 'etcd', 'controlplane', 'worker'] as const;
export type Role = (typeof ROLES)[number];

/** A cluster's identity: the name alone is enough on the command line only when it is unique. */
export interface ClusterId {
  provider: Provider;
  region: string;
  name: string;
}

export interface RoleSpec {
  count: number;
  /** Instance type / VM size; empty for providers that do not size machines (local, ssh). */
  size: string;
}

export interface WorkerSpec extends RoleSpec {
  /** Spot / preemptible capacity for workers. */
  spot: boolean;
}

/** The pool a self-managed cluster's plain `workers` are (and old state's worker machines belong to). */
export const DEFAULT_POOL = 'default';

/** Kubernetes' taint effects (core/v1 TaintEffect). */
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export type TaintEffect = (typeof TAINT_EFFECTS)[number];

/** A node taint as Kubernetes stores it; `value` is '' when the taint has none (`key:Effect`). */
export interface TaintSpec {
  key: string;
  value: string;
  effect: TaintEffect;
}

/**
 * A node pool: named machines of one size with the same labels and taints. EKS node group, AKS agent
 * pool, GKE node pool, kind workers; on self-managed clusters the machines ksctl creates and joins.
 */
export interface NodePoolSpec {
  name: string;
  count: number;
  /** Bounds for the autoscaler to come; `count` must lie within them. */
  min?: number;
  max?: number;
  size: string;
  spot: boolean;
  /** Node labels, set when a node registers (Kubernetes label syntax). */
  labels: Record<string, string>;
  taints: TaintSpec[];
  /** Zones to place the pool in, where the cloud has them (unset: the cloud's or ksctl's choice). */
  zones?: string[];
}

/**
 * Login details beyond `keyFile` that an OpenSSH client config (`~/.ssh/config`) contributed when the
 * spec was resolved; see api/ssh-config.ts. Not part of the cluster file: recorded so that state says
 * how ksctl logs in, and so that `delete` later logs in the same way.
 */
export interface SshLoginSpec {
  /** The config's IdentityFile paths (expanded, absolute), offered after `keyFile`. */
  identityFiles?: string[];
  /** IdentitiesOnly: offer only these key files (and agent keys that match them), no other agent key. */
  identitiesOnly?: boolean;
  /** IdentityAgent: "none" turns the agent off; a socket path replaces SSH_AUTH_SOCK. */
  identityAgent?: string;
  /** The Host alias `address` was resolved from (through the config's HostName). */
  sshConfigHost?: string;
}

/** An existing machine for the `ssh` (bring-your-own-machines) provider. */
export interface MachineSpec extends SshLoginSpec {
  name: string;
  role: Role;
  /** A worker's node pool (spec.nodePools[].name); unset: the default pool. Only workers have one. */
  pool?: string;
  /** Address ksctl connects to (public or reachable). */
  address: string;
  /** Address the cluster members use to reach each other; defaults to `address`. */
  privateAddress?: string;
  port: number;
  user: string;
  /** Path to the private key on the operator's machine. */
  keyFile?: string;
  /** The host's public key (`ssh-ed25519 AAAA...`); when absent the first key seen is pinned in state. */
  hostKey?: string;
  /** Jump host from the OpenSSH config's ProxyJump (spec.ssh.bastion, when set, wins). */
  bastion?: SshEndpointSpec;
}

export interface SshEndpointSpec extends SshLoginSpec {
  address: string;
  port: number;
  user: string;
  keyFile?: string;
  hostKey?: string;
}

export interface NetworkSpec {
  /** VPC / VNet CIDR for cloud providers. */
  cidr: string;
  /** Who may reach SSH and the API port; empty means "the operator's own address, found at create time". */
  allowCidrs: string[];
}

export interface CloudCredentialsSpec {
  /** AWS shared-config profile. */
  profile?: string;
  /** Azure subscription id. */
  subscriptionId?: string;
  /** GCP project id. */
  project?: string;
}

/**
 * A fully resolved cluster specification: defaults applied, validated. Everything after the command
 * layer receives this, never raw flags.
 */
export interface ClusterSpec {
  name: string;
  provider: Provider;
  type: ClusterType;
  region: string;
  /** Only for self-managed clusters; managed ones run the cloud's own distribution. */
  distribution?: Distribution;
  /**
   * `1.36` (the newest patch at install time) or `1.36.2` (pinned). Self-managed: always set (default
   * the newest supported minor). Managed and kind: unset means the cloud's (kind's) default, resolved
   * at create and recorded in state (`versions.kubernetes`).
   */
  kubernetesVersion?: string;
  controlPlane: RoleSpec;
  workers: WorkerSpec;
  /**
   * 0 = embedded etcd (k3s --cluster-init, kubeadm stacked). Odd and >= 3 otherwise. `release` is set
   * only when the user chose a mirror or another version; absent means the pinned release.
   */
  etcd: RoleSpec & { release?: EtcdReleaseSpec };
  loadBalancer: { size: string };
  nodePools: NodePoolSpec[];
  network: NetworkSpec;
  machines: MachineSpec[];
  ssh: {
    bastion?: SshEndpointSpec;
    sudoPassword?: boolean;
    /** OpenSSH client config read for the machines (default ~/.ssh/config; "none" reads none). */
    configFile?: string;
  };
  credentials: CloudCredentialsSpec;
  /**
   * Install from uploaded files instead of the internet (self-managed); `images`: image archives (file
   * names in `dir`) imported into every node's container runtime.
   */
  airgap: { enabled: boolean; dir?: string; images?: string[] };
  /** Kubelet settings (self-managed). */
  kubelet: KubeletSpec;
  /** kubeadm settings; absent: none given (packages from pkgs.k8s.io). */
  kubeadm?: KubeadmSpec;
}

export interface KubeadmSpec {
  /**
   * A mirror of pkgs.k8s.io to install and upgrade kubeadm, kubelet and kubectl from; also used by
   * air-gapped clusters instead of .deb files in spec.airgap.dir.
   */
  packageRepository?: PackageRepositorySpec;
}

export interface KubeletSpec {
  /**
   * Run the kubelet on cgroup v1 hosts (`failCgroupV1: false`). kubelet ≥ 1.35 refuses them by default,
   * and ksctl's preflight stops before installing anything on such a host unless this is set.
   */
  allowCgroupV1: boolean;
}

/** The file format: what users write in cluster.yaml. */
export const API_VERSION = 'ksctl.io/v1alpha1';
export const FILE_KIND = 'Cluster';

export function clusterIdOf(spec: Pick<ClusterSpec, 'provider' | 'region' | 'name'>): ClusterId {
  return { provider: spec.provider, region: spec.region, name: spec.name };
}

export function formatClusterId(id: ClusterId): string {
  return `${id.name} (${id.provider}/${id.region})`;
}
