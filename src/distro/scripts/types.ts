/**
 * Scripts as data. Every bootstrap action ksctl performs on a machine is a `Script`: a bash body plus
 * what the executor must provide around it (non-secret env, secret env names, files to upload first).
 * Generators are pure functions of their input, so the same script is shown by `--dry-run`,
 * snapshot-tested, and run over SSH.
 */
import type { EtcdReleaseSpec } from '../../api/etcd-release.js';
import type { TaintSpec } from '../../api/types.js';

/** A file the executor uploads before running the script. */
export interface ScriptFile {
  /** Absolute path on the machine. */
  path: string;
  /** Octal mode, e.g. 0o600. */
  mode: number;
  /** `user:group`; default `root:root`. */
  owner?: string;
  /**
   * Where the content comes from, never the content itself: `secret:<name>` (a SecretStore entry,
   * see `../pki/names.ts`) or `artifact:<file>` (a file in the operator's air-gap directory).
   */
  contentRef: string;
}

export interface Script {
  /** Stable identifier, e.g. `etcd-member`. */
  name: string;
  /** One line for progress output and `--dry-run`. */
  description: string;
  /** The bash program (starts with `#!/usr/bin/env bash` and `set -euo pipefail`). Secret-free. */
  body: string;
  /** Non-secret environment the executor exports (the body also defaults these itself). */
  env?: Record<string, string>;
  /** Names of environment variables whose values the executor supplies at run time and redacts. */
  secretEnv?: string[];
  /** Files to upload before the body runs (re-uploaded on every attempt). */
  files?: ScriptFile[];
}

/** A machine as the scripts see it: its name and the private address cluster members use. */
export interface Endpoint {
  name: string;
  address: string;
}

/** An etcd member. Ports default to 2379 (client) and 2380 (peer). */
export interface EtcdEndpoint extends Endpoint {
  clientPort?: number;
  peerPort?: number;
}

/**
 * Air-gapped mode: nothing is downloaded; the executor uploads the artifacts the script lists in
 * `files`. Presence of this object turns the mode on.
 */
export interface AirgapInput {
  /** Container image archives (file names in the air-gap directory) to import on the node. */
  images?: string[];
  /** Debian packages (file names in the air-gap directory) to install with dpkg (kubeadm). */
  packages?: string[];
}

export interface LoadBalancerInput {
  /** Every control plane, by private address. Order does not matter: the output is sorted. */
  controlPlanes: Endpoint[];
  /** Port on the LB and on the control planes; default 6443. */
  port?: number;
  /**
   * The HTTPS path HAProxy's health check GETs anonymously, expecting 200; default `/readyz`
   * (kubeadm's API server lets anyone read it). k3s runs its API server with anonymous auth off, so
   * /readyz answers 401 there (k3s-io/k3s#3576): k3s servers are checked at their supervisor's `/ping`.
   */
  healthCheckPath?: string;
  airgap?: AirgapInput;
}

export interface EtcdMemberInput {
  /** Cluster name: used as `--initial-cluster-token`. */
  cluster: string;
  /** This member's name (one of `members`). */
  name: string;
  /** This member's private address (must equal its entry in `members`). */
  address: string;
  /** All members, this one included. */
  members: EtcdEndpoint[];
  /** The etcd release to install (download or, air-gapped, the uploaded tarball); default the pinned one. */
  release?: EtcdReleaseSpec;
  /** `new` when bootstrapping, `existing` when this member was added with `member add`. Default `new`. */
  initialClusterState?: 'new' | 'existing';
  /** How long to wait for this member to answer (it needs quorum: start members concurrently). Default 300. */
  timeoutSeconds?: number;
  airgap?: AirgapInput;
}

export interface EtcdHealthInput {
  members: EtcdEndpoint[];
  /** Default 300. */
  timeoutSeconds?: number;
  /** Directory with ca.crt, server.crt, server.key; default `/etc/etcd/pki` (tests point it elsewhere). */
  pkiDir?: string;
}

/** The API endpoint every node and client uses: the load balancer. */
export interface ApiEndpoint {
  /** Private address of the LB (what nodes dial). */
  address: string;
  /** Public address, added to the API server certificate. */
  publicAddress?: string;
  /** Extra SANs (DNS names) for the API server certificate. */
  extraSans?: string[];
  /** Default 6443. */
  port?: number;
}

/** What every Kubernetes node script needs. */
export interface NodeInput {
  cluster: string;
  /** `1.31` or a full version; resolved through DISTRIBUTION_VERSIONS. */
  kubernetesVersion: string;
  /** This machine. */
  node: Endpoint;
  /**
   * The Node's `spec.providerID` (kubelet `--provider-id`): the cloud's own form where the machine has
   * one (`aws:///<zone>/<id>`, `azure:///subscriptions/...`, `gce://<project>/<zone>/<name>`), else
   * `ksctl://<cluster>/<machine>`. A node keeps the ID it registered with, so it is set from the start.
   */
  providerId: string;
  loadBalancer: ApiEndpoint;
  /** External etcd members; empty or absent means embedded (k3s --cluster-init, kubeadm stacked). */
  etcd?: EtcdEndpoint[];
  /** How long to wait for the node/API to become ready. Default 600. */
  timeoutSeconds?: number;
  airgap?: AirgapInput;
  kubelet?: KubeletInput;
  /** A worker's pool: what its kubelet registers the Node with (NodeRestriction lets it set these). */
  registration?: RegistrationInput;
}

/** Node labels and taints set at registration (kubelet `--node-labels`, `--register-with-taints`). */
export interface RegistrationInput {
  /** Includes `ksctl.io/pool=<pool>`. */
  labels: Record<string, string>;
  taints: TaintSpec[];
}

/** Kubelet settings from the cluster spec (`spec.kubelet`). */
export interface KubeletInput {
  /** Let the kubelet run on a cgroup v1 host (`failCgroupV1: false`); kubelet ≥ 1.35 refuses by default. */
  allowCgroupV1?: boolean;
}

/** A k3s node joining a running cluster. */
export interface K3sJoinInput extends NodeInput {
  /**
   * sha256 (hex) of the cluster CA bundle k3s serves at /cacerts, read from the first server's token
   * file. The node then writes a full `K10<hash>::server:<token>` token and k3s refuses a server whose
   * CA does not match, instead of trusting whatever answers at the load balancer's address.
   * Absent: the short token (no pinning).
   */
  caHash?: string;
}

export interface KubeadmNodeInput extends NodeInput {
  /** Default 10.244.0.0/16 (flannel's default). */
  podSubnet?: string;
  /** Default 10.96.0.0/12. */
  serviceSubnet?: string;
  /** Bootstrap token lifetime, e.g. `24h`, `2h`. Default 24h. */
  tokenTtl?: string;
  /** More preflight checks `kubeadm init` reports without failing (a restore: `DirAvailable--var-lib-etcd`). */
  ignorePreflightErrors?: readonly string[];
  /**
   * Init only: install the ServiceAccount signing pair from the secret store (KUBEADM_SA_FILES) before
   * `kubeadm init`, so tokens a restored cluster's source signed stay valid.
   */
  serviceAccountKeys?: boolean;
}

export interface KubeadmJoinInput extends NodeInput {
  /** `sha256:<hex>` of the cluster CA's public key (`caCertHash` in ../pki, or the mint script's output). */
  caCertHash: string;
}
