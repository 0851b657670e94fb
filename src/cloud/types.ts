/**
 * What a cloud provider implements. Two small interfaces: one for clusters the cloud runs for us
 * (EKS, AKS, GKE, kind), one for machines ksctl turns into a cluster itself (EC2, Azure VMs, GCE,
 * bring-your-own over SSH). Providers never prompt or print: they log through ctx.log and record
 * every resource in state (ctx.cluster.update) as soon as it exists.
 */
import type { ClusterSpec, NodePoolSpec, Provider, Role } from '../api/types.js';
import type { Step, StepContext, StepDescription } from '../pipeline/types.js';
import type { Machine } from '../state/types.js';
import type { AwsRuntime } from './aws/runtime.js';
import type { AzureRuntime } from './azure/runtime.js';
import type { GcpRuntime } from './gcp/runtime.js';

/** A machine the spec calls for, before it exists. Names are deterministic: `<cluster>-<role>-<i>`. */
export interface PlannedMachine {
  name: string;
  role: Role;
  size: string;
  spot: boolean;
  /** Index within its role (0 = control plane 0 for the control plane role). */
  index: number;
  /** The node pool of a worker (spec.nodePools[].name). */
  pool?: string;
}

/** A resource the plan will ensure, for `--dry-run`. */
export interface PlannedResource {
  kind: string;
  name: string;
  details?: Record<string, unknown>;
}

interface ProviderBase {
  readonly provider: Provider;
  /**
   * Checks against the cloud before any mutation: credentials, region, instance types, quotas,
   * versions. Throws InputError (exit 2) for what the user can fix. Makes no mutating call.
   */
  preflight(ctx: StepContext): Promise<void>;
  /** What would be created, for `--dry-run` (pure: no calls). */
  plannedResources(spec: ClusterSpec): PlannedResource[];
  /**
   * Delete everything this cluster owns: from state and from a tag/label sweep, in dependency
   * order, treating "not found" as done. Idempotent; safe after a create that crashed anywhere.
   */
  destroy(ctx: StepContext): Promise<void>;
}

export interface ManagedCloud extends ProviderBase {
  readonly kind: 'managed';
  /**
   * The Kubernetes version to create: the spec's when the cloud offers it (else InputError, exit 2,
   * naming what it offers), the cloud's own default when the spec has none. Read-only calls; after
   * preflight it answers from what preflight learned. The manager records it in state. Undefined
   * when only the create itself will tell (kind's default image).
   */
  resolveKubernetesVersion(ctx: StepContext): Promise<string | undefined>;
  /** Ordered, dependency-declared steps that bring the managed cluster and its node pools up. */
  createSteps(spec: ClusterSpec): Step[];
  /** The kubeconfig for the cluster (exec-plugin based where the cloud supports it). Secret. */
  kubeconfig(ctx: StepContext): Promise<string>;
  /** Set a node pool's size (day 2). */
  scaleNodePool?(ctx: StepContext, pool: string, count: number): Promise<void>;
  /** Day 2: create a node pool (EKS node group, AKS agent pool, GKE node pool) and wait until it is active. Idempotent. */
  createNodePool?(ctx: StepContext, pool: NodePoolSpec): Promise<void>;
  /** Day 2: delete a node pool and wait until it is gone; not-found is done. */
  deleteNodePool?(ctx: StepContext, pool: string): Promise<void>;
  /** Day 2: a pool's labels, taints and min/max set to `pool`'s (`previous` says what to remove). */
  updateNodePool?(ctx: StepContext, pool: NodePoolSpec, previous: NodePoolSpec): Promise<void>;
  /**
   * Day 2, before anything is written: the cloud's own rules for pools about to be created or scaled
   * (names, zones the region or the cluster's network has, counts a zonal pool can take). Reads
   * only; a refusal is an InputError naming the spec field. `ctx.spec` is the target spec.
   */
  checkNodePools?(ctx: StepContext, change: { created: NodePoolSpec[]; scaled: NodePoolSpec[] }): Promise<void>;
  /** Day 2: who may reach the API server (EKS publicAccessCidrs, AKS authorized IP ranges, GKE master authorized networks). */
  updateAccess?(ctx: StepContext, allowCidrs: string[]): Promise<void>;
  /** Upgrade: the control plane to `version` (the cloud's own upgrade), waiting until it is done. */
  upgradeControlPlane?(ctx: StepContext, version: string): Promise<void>;
  /** Upgrade: one node pool to `version` (the cloud rolls its nodes), waiting until it is done. */
  upgradeNodePool?(ctx: StepContext, pool: string, version: string): Promise<void>;
}

export interface SelfManagedCloud extends ProviderBase {
  readonly kind: 'selfmanaged';
  /** Infrastructure steps before machines: network, firewalls, SSH key. Ids start with `infra/`. */
  infraSteps(spec: ClusterSpec): Step[];
  /** The machines the spec calls for (ssh provider: the listed ones). */
  machinePlan(spec: ClusterSpec): PlannedMachine[];
  /** Ids of infra steps a machine of this role must wait for. */
  machineNeeds(role: Role): string[];
  /**
   * Ensure one machine exists and runs; record it in state; return it with addresses, SSH user and
   * pinned host keys. Idempotent (look up by name/tag first, idempotency token on create).
   */
  ensureMachine(ctx: StepContext, planned: PlannedMachine): Promise<Machine>;
  /**
   * Delete one machine and what is its alone (disk, NIC, public IP) and forget their resource
   * records; found by state, or by name and tag when it never got that far. Not-found is done.
   * The machine stays in state: the caller forgets it in the write that also updates the spec.
   */
  deleteMachine(ctx: StepContext, machine: Machine): Promise<void>;
  /** Private key ksctl uses for machines it created (from the SecretStore), or undefined for ssh provider. */
  sshPrivateKey?(ctx: StepContext, machine: Machine): Promise<string | undefined>;
  /** Day 2: the firewall rules that admit SSH and the API set to `allowCidrs` (absent: the ssh provider has no firewall of ours). */
  updateAccess?(ctx: StepContext, allowCidrs: string[]): Promise<void>;
}

export type CloudProvider = ManagedCloud | SelfManagedCloud;

/**
 * What tests and benchmarks inject into the providers they load: each cloud's runtime (clock, SDK
 * transport, credentials). Passed down from the entry point (src/cli), never read from a global here.
 */
export interface ProviderHooks {
  aws?: Partial<AwsRuntime>;
  azure?: Partial<AzureRuntime>;
  gcp?: Partial<GcpRuntime>;
}

/** Lazily loads a provider implementation so that no SDK loads before it is needed. */
export type ProviderFactory = (hooks: ProviderHooks) => Promise<CloudProvider>;

export type { StepDescription };
