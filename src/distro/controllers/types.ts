/**
 * A distribution controller turns machines into Kubernetes nodes. It decides *which scripts* run on a
 * machine (pure, so `--dry-run` can print them) and how join credentials are kept valid; the manager
 * decides *when* (the dependency graph) and the runner *how* (SSH).
 */
import type { ClusterSpec, Distribution } from '../../api/types.js';
import type { StepContext } from '../../pipeline/types.js';
import type { Machine, SecretStore } from '../../state/types.js';
import type { Script } from '../scripts/types.js';
import type { SshSession } from '../ssh/types.js';

/** Who is who in a self-managed cluster, with the addresses the scripts need. */
export interface Topology {
  spec: ClusterSpec;
  loadBalancer: Machine;
  etcd: Machine[];
  controlPlanes: Machine[];
  workers: Machine[];
}

export interface DistroController {
  readonly name: Distribution;
  /** Where the admin kubeconfig is written on a control plane. */
  readonly kubeconfigPath: string;
  /** Tokens / CA generated once per cluster (idempotent). */
  ensureSecrets(secrets: SecretStore): Promise<void>;
  /** Values for the scripts' `secretEnv`. */
  secretEnv(secrets: SecretStore): Promise<Record<string, string>>;
  initScripts(t: Topology, cp0: Machine): Promise<Script[]>;
  joinControlPlaneScripts(t: Topology, cp: Machine, secrets: SecretStore): Promise<Script[]>;
  joinWorkerScripts(t: Topology, worker: Machine, secrets: SecretStore): Promise<Script[]>;
  /**
   * Make join credentials valid right before a join that happens late (kubeadm tokens and uploaded
   * certificates expire). Runs on control plane 0.
   */
  prepareJoin(ctx: StepContext, cp0: SshSession, t: Topology, secretEnv: Record<string, string>): Promise<void>;
  /**
   * Reads back what is installed on a bootstrapped node: prints `kubernetes-version kubernetes v…` and
   * `kubernetes-version distribution v…` (parseInstalledVersions).
   */
  versionScript(): Script;
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
