/**
 * Upper bounds for every input ksctl reads, in one place: the cluster-file schema, spec validation,
 * flag and environment checks, the file readers and the docs all use these numbers. Each is checked
 * before any planning, cloud call, SSH connection or state write, so a hostile or mistyped value
 * exits 2 instead of exhausting memory (100,000,000 workers once planned until V8 died).
 *
 * Each bound says why it is where it is; raising one is a decision, not a typo fix.
 */
import type { Provider } from './types.js';

/**
 * Machines (or nodes) in one cluster, all roles and pools together. Set by our state: every machine
 * adds its record and its step history (≈1.5 KB) to state.json, which is rewritten whole after each
 * step, and the create plan grows with it; the benches prove 100 workers. 1,000 keeps the document
 * around 1.5 MB. It is also above what a fresh account of any of the three clouds may run (default
 * vCPU quotas allow tens of VMs, not thousands).
 */
export const MAX_MACHINES_PER_CLUSTER = 1000;

/**
 * Nodes in one pool: the managed services' own per-pool limits (EKS "nodes per managed node group"
 * quota 450; AKS 1,000 per node pool; GKE 1,000 per node pool and zone). kind nodes are containers on
 * this one machine, so a handful is the useful range. ssh and self-managed pools are bounded by the
 * cluster limit.
 */
export const MAX_POOL_NODES: Record<Provider, number> = {
  aws: 450,
  azure: 1000,
  gcp: 1000,
  local: 20,
  ssh: MAX_MACHINES_PER_CLUSTER,
};

/** Self-managed workers on a cloud: ksctl's own pool, bounded only by the cluster limit. */
export const MAX_SELFMANAGED_WORKERS = MAX_MACHINES_PER_CLUSTER;

/**
 * Control planes and external etcd members: etcd's FAQ advises at most seven members (every write
 * waits for a majority; more members only slow it down), and embedded etcd puts one on each control
 * plane.
 */
export const MAX_QUORUM_MEMBERS = 7;

/** Node pools in one cluster: EKS's default quota of managed node groups per cluster (AKS allows 100). */
export const MAX_NODE_POOLS = 30;

/**
 * Entries of `network.allowCidrs`: each becomes an SSH and an API rule in every firewall, and an AWS
 * security group holds 60 inbound rules by default.
 */
export const MAX_ALLOW_CIDRS = 20;

/** A host name (RFC 1035: 253 characters) or an IP literal. */
export const MAX_ADDRESS_LENGTH = 253;

/** POSIX user names: useradd's default limit. */
export const MAX_USER_LENGTH = 32;

/** File paths (Linux PATH_MAX). */
export const MAX_PATH_LENGTH = 4096;

/** Instance sizes, profiles, project and subscription ids: the longest real ones are under 64. */
export const MAX_SHORT_STRING = 64;

/** A host public key line (an RSA 16384-bit key is about 2.8 KB). */
export const MAX_HOST_KEY_LENGTH = 8192;

/** A private key file ksctl reads (an RSA 16384-bit PEM is about 12 KB). */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * Cluster files and kubeconfigs read as YAML: a 1,000-machine cluster file is about 150 KB, and a
 * kubeconfig with hundreds of contexts stays under a few MB. Bigger input is refused before parsing.
 */
export const MAX_CLUSTER_FILE_BYTES = 1024 * 1024;
export const MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024;

/** State documents: 1,000 machines with long histories stay well below this. */
export const MAX_STATE_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Nesting and aliases in YAML. A real cluster file is six levels deep; the YAML parser recurses per
 * level (10,000 nested flow collections exhaust its stack and then the heap), and aliases can expand
 * exponentially ("billion laughs"), so both are capped before the document becomes objects.
 */
export const MAX_YAML_DEPTH = 64;
export const MAX_YAML_ALIASES = 100;

/** KSCTL_SSH_WAIT_SECONDS: at most an hour of waiting for a machine's SSH. */
export const MAX_SSH_WAIT_SECONDS = 3600;

/** Secrets read from the environment or a prompt (KSCTL_SUDO_PASSWORD): one line. */
export const MAX_SECRET_LENGTH = 1024;
