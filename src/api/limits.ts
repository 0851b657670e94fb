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
 * adds its record and its step history to state.json, which is rewritten whole after each step, and
 * the create plan grows with it (a dry run of 1,000 workers prints an 0.8 MB plan; the benches prove
 * 100 workers). It is also above what a fresh account of any of the three clouds may run (default
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
/** `airgap.images` entries: each is uploaded to every node and imported there, one by one. */
export const MAX_AIRGAP_IMAGES = 100;

/**
 * Labels and taints per pool: EKS allows 50 taints per node group (and GKE / AKS no more in practice);
 * 64 labels is far above what a scheduler policy uses. Their text: a label key is a 253-character DNS
 * prefix, "/" and a 63-character name; values and taint keys are bounded by the same rules.
 */
export const MAX_POOL_LABELS = 64;
export const MAX_POOL_TAINTS = 50;
export const MAX_LABEL_KEY_TEXT = 317;
export const MAX_TAINT_TEXT = 400;

/** Zones per pool: no region of the three clouds has more than 6. */
export const MAX_POOL_ZONES = 8;

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

/** The limits as the cluster-file reference shows them (scripts/gen-docs.mjs), with their reasons. */
export const LIMIT_DOCS: readonly { what: string; limit: string; why: string }[] = [
  {
    what: 'machines per cluster (all roles and pools)',
    limit: String(MAX_MACHINES_PER_CLUSTER),
    why: 'state.json holds every machine and its step history and is rewritten whole after each step',
  },
  {
    what: '`workers.count` / `nodePools[].count`, aws managed',
    limit: String(MAX_POOL_NODES.aws),
    why: 'EKS quota "nodes per managed node group"',
  },
  {
    what: '`workers.count` / `nodePools[].count`, azure and gcp managed',
    limit: `${MAX_POOL_NODES.azure} / ${MAX_POOL_NODES.gcp}`,
    why: 'AKS nodes per node pool; GKE nodes per node pool and zone',
  },
  {
    what: '`workers.count`, local (kind)',
    limit: String(MAX_POOL_NODES.local),
    why: 'kind nodes are containers on this one machine',
  },
  {
    what: '`workers.count`, self-managed',
    limit: String(MAX_SELFMANAGED_WORKERS),
    why: 'the machines-per-cluster limit',
  },
  {
    what: '`controlPlane.count`, `etcd.count`',
    limit: String(MAX_QUORUM_MEMBERS),
    why: 'etcd advises at most seven members; more only slow every write',
  },
  { what: '`nodePools` entries', limit: String(MAX_NODE_POOLS), why: 'EKS quota of managed node groups per cluster' },
  {
    what: '`nodePools[].labels`, `nodePools[].taints`',
    limit: `${MAX_POOL_LABELS} / ${MAX_POOL_TAINTS}`,
    why: 'EKS allows 50 taints per node group; labels are bounded alike',
  },
  {
    what: '`airgap.images` entries',
    limit: String(MAX_AIRGAP_IMAGES),
    why: 'each archive is uploaded to every node and imported there before Kubernetes starts',
  },
  {
    what: '`network.allowCidrs` entries',
    limit: String(MAX_ALLOW_CIDRS),
    why: 'each becomes SSH and API rules; an AWS security group holds 60 inbound rules',
  },
  { what: 'addresses', limit: `${MAX_ADDRESS_LENGTH} characters`, why: 'an IP address or a DNS name (RFC 1035)' },
  { what: 'users', limit: `${MAX_USER_LENGTH} characters`, why: "a POSIX user name (useradd's limit)" },
  { what: 'key files', limit: `${MAX_KEY_FILE_BYTES / 1024} KiB`, why: 'a readable PEM or OpenSSH private key' },
  {
    what: 'sizes, regions, versions, credentials',
    limit: `${MAX_SHORT_STRING} characters`,
    why: 'printable text; the longest real values are shorter',
  },
  {
    what: 'cluster file',
    limit: `${MAX_CLUSTER_FILE_BYTES / 1024 / 1024} MiB, ${MAX_YAML_DEPTH} levels, ${MAX_YAML_ALIASES} alias expansions`,
    why: 'UTF-8 YAML; refuses "billion laughs" and parser-exhausting nesting before parsing',
  },
  {
    what: 'kubeconfig read',
    limit: `${MAX_KUBECONFIG_BYTES / 1024 / 1024} MiB`,
    why: 'the same YAML rules; a bad one is reported and left untouched',
  },
  {
    what: 'state file',
    limit: `${MAX_STATE_FILE_BYTES / 1024 / 1024} MiB`,
    why: 'far above a 1,000-machine cluster; a bad one is reported and left untouched',
  },
  {
    what: '`KSCTL_SSH_WAIT_SECONDS`',
    limit: `1-${MAX_SSH_WAIT_SECONDS}`,
    why: 'an hour of waiting for a machine is already generous',
  },
  {
    what: '`KSCTL_SUDO_PASSWORD`',
    limit: `one line, ${MAX_SECRET_LENGTH} characters`,
    why: "it is written to sudo's standard input",
  },
];
