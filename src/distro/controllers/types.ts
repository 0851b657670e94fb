/**
 * A distribution controller turns machines into Kubernetes nodes. It decides *which scripts* run on a
 * machine (pure, so `--dry-run` can print them) and how join credentials are kept valid; the manager
 * decides *when* (the dependency graph) and the runner *how* (SSH). Every per-node method takes one
 * `NodeScope`; the cluster-wide ones take the cluster's SecretStore.
 */
import type { ClusterSpec, Distribution } from '../../api/types.js';
import type { StepContext } from '../../pipeline/types.js';
import type { Machine, SecretStore } from '../../state/types.js';
import type { Script } from '../scripts/types.js';

/** Who is who in a self-managed cluster, with the addresses the scripts need. */
export interface Topology {
  spec: ClusterSpec;
  loadBalancer: Machine;
  etcd: Machine[];
  controlPlanes: Machine[];
  workers: Machine[];
}

/** The cluster's secrets as far as scripts read them. */
export type SecretReader = Pick<SecretStore, 'get' | 'has'>;

/** What a controller works on: one machine of the cluster. */
export interface NodeScope {
  readonly topology: Topology;
  /** The machine the scripts are for. */
  readonly machine: Machine;
  /** The cluster's secrets; when only describing (dry run), stand-ins (see ./placeholders.ts). */
  readonly secrets: SecretReader;
  /** Present while a step runs: state, log, signal, and a way to run a script on control plane 0. */
  readonly live?: LiveScope;
}

export interface LiveScope {
  readonly ctx: StepContext;
  /** Runs one script on control plane 0 (with the distribution's secret environment); returns its stdout. */
  onControlPlane0(script: Script): Promise<string>;
}

export interface DistroController {
  readonly name: Distribution;
  /** Where the admin kubeconfig is written on a control plane. */
  readonly kubeconfigPath: string;
  /** Tokens / CA generated once per cluster (idempotent). */
  ensureSecrets(secrets: SecretStore): Promise<void>;
  /** Values for the scripts' `secretEnv`. */
  secretEnv(secrets: SecretReader): Promise<Record<string, string>>;
  initScripts(n: NodeScope): Promise<Script[]>;
  joinControlPlaneScripts(n: NodeScope): Promise<Script[]>;
  joinWorkerScripts(n: NodeScope): Promise<Script[]>;
  /**
   * Make join credentials valid right before a join that happens late (kubeadm tokens and uploaded
   * certificates expire; k3s reads the CA hash joins pin). Needs `n.live`.
   */
  prepareJoin(n: NodeScope): Promise<void>;
  /**
   * Reads back what is installed on a bootstrapped node: prints `kubernetes-version kubernetes v…` and
   * `kubernetes-version distribution v…` (parseInstalledVersions).
   */
  versionScript(): Script;
  /**
   * Prepares a bootstrapped node for an upgrade to `n.topology.spec.kubernetesVersion` without touching
   * what runs (uploads and image imports); every node at once, before the first node is upgraded.
   */
  upgradeStageScripts(n: NodeScope): Promise<Script[]>;
  /**
   * Brings a bootstrapped node to `n.topology.spec.kubernetesVersion` (kubeadm: `upgrade apply` on the
   * `first` control plane, `upgrade node` elsewhere, then the kubelet; k3s: the binary swapped and the
   * service restarted). The manager drains the node before and waits for it after.
   */
  upgradeScripts(n: NodeScope, first: boolean): Promise<Script[]>;
  /** A kubectl command line usable on a control plane (admin credentials). */
  kubectl(args: string): string;
  uninstallScript(role: Machine['role']): Script;
}

/** The address other members use for a machine. */
export function privateAddress(m: Machine): string {
  const a = m.privateAddress ?? m.publicAddress;
  if (!a) throw new Error(`machine ${m.name} has no address yet`);
  return a;
}

/** The address the operator (and the kubeconfig) reaches a machine at. */
export function reachableAddress(m: Machine): string {
  const a = m.publicAddress ?? m.privateAddress;
  if (!a) throw new Error(`machine ${m.name} has no address yet`);
  return a;
}

/** `n.live`, or a bug: only a running step prepares a join. */
export function liveOf(n: NodeScope): LiveScope {
  if (!n.live) throw new Error(`preparing the join of ${n.machine.name} needs a running step`);
  return n.live;
}
