/**
 * The one context every self-managed step gets (kind's ActionContext): what the executor gives any
 * step (spec, state, log, signal) plus this run's provider, distribution controller and SSH access.
 * `BootstrapView` is its read-only half: what a step's `describe()` may use, so a dry run can build
 * one from the plan alone (plan-view.ts) and a step describes exactly what its `run()` would run.
 */
import { DEFAULT_CERT_VALIDITY_DAYS } from '../../api/certs.js';
import { clusterIdOf, type ClusterSpec, type Role } from '../../api/types.js';
import type { SelfManagedCloud } from '../../cloud/types.js';
import type { DistroController, NodeScope, SecretReader, Topology } from '../../distro/controllers/types.js';
import { runScript } from '../../distro/runner.js';
import type { Script } from '../../distro/scripts/types.js';
import { parseInstalledVersions } from '../../distro/scripts/versions.js';
import type { SshSession } from '../../distro/ssh/types.js';
import { ProviderError } from '../../errors.js';
import type { StepContext } from '../../pipeline/types.js';
import type { Machine } from '../../state/types.js';
import { expandHome } from '../../util/home.js';
import { kubernetesManager, type NodeInfo, type OnboardingWant } from '../kubernetes.js';
import type { SshAccess } from './ssh-access.js';

export interface BootstrapView {
  readonly spec: ClusterSpec;
  readonly distro: DistroController;
  readonly secrets: SecretReader;
  /** A machine by name; throws until it is known. */
  machine(name: string): Machine;
  /** The machines of one role (not being removed), in name order. */
  machinesOf(role: Role): Machine[];
  /** The whole cluster; throws until the load balancer's machine is known. */
  topology(): Topology;
}

/** The cluster's API as far as a run's steps use it (the onboarding check of a new node). */
export interface NodeApi {
  waitOnboarded(node: string, want: OnboardingWant, timeoutMs: number, signal?: AbortSignal): Promise<NodeInfo>;
  close(): Promise<void>;
}

export interface BootstrapContext extends StepContext, BootstrapView {
  readonly provider: SelfManagedCloud;
  /** A connection to the cluster's API through the kubeconfig in state (the load balancer); close it after use. */
  nodeApi(): Promise<NodeApi>;
  /** A connected session (waits for SSH; pins the host key on first contact). */
  session(m: Machine): Promise<SshSession>;
  /** Runs scripts in order on one machine, streaming lines to the log; returns each script's stdout. */
  exec(m: Machine, scripts: Script[]): Promise<string[]>;
  /** Reads back what a node runs (the machine's own binaries, not the spec) and records it on the machine. */
  recordInstalled(m: Machine): Promise<void>;
  /** The controller's scope for machine `m`, able to run on control plane 0 (join preparation). */
  liveScope(m: Machine): NodeScope;
  /** Days the certificates ksctl issues in this run are valid (src/api/certs.ts: certValidityDays). */
  readonly certValidityDays: number;
}

/**
 * Machine names in natural order (w-2 before w-10). One collator: `localeCompare` with a locale
 * builds one per call, and every step reads the topology (100 workers: ~70,000 compares, ~0.8 s CPU).
 */
const byName = new Intl.Collator('en', { numeric: true }).compare;

/** The read-only half over a set of machines (state's during a run, the plan's in a dry run). */
export function machineView(
  spec: ClusterSpec,
  distro: DistroController,
  secrets: SecretReader,
  machines: () => Record<string, Machine>,
): BootstrapView {
  const machinesOf = (role: Role) =>
    Object.values(machines())
      .filter((m) => m.status !== 'removing' && m.role === role)
      .sort((a, b) => byName(a.name, b.name));
  return {
    spec,
    distro,
    secrets,
    machine(name) {
      const m = machines()[name];
      if (!m) throw new ProviderError(`machine ${name} is not in state yet`);
      return m;
    },
    machinesOf,
    topology() {
      const lb = machinesOf('loadbalancer')[0];
      if (!lb) throw new ProviderError('the load balancer machine is not in state yet');
      return {
        spec,
        loadBalancer: lb,
        etcd: machinesOf('etcd'),
        controlPlanes: machinesOf('controlplane'),
        workers: machinesOf('worker'),
      };
    },
  };
}

/** The context of one run: built once by the manager, handed to every step by the executor. */
export function bootstrapContext(
  base: StepContext,
  provider: SelfManagedCloud,
  distro: DistroController,
  ssh: SshAccess,
  opts: { certValidityDays?: number; nodeApi?: () => Promise<NodeApi> } = {},
): BootstrapContext {
  const view = machineView(base.spec, distro, base.cluster.secrets, () => base.cluster.state?.machines ?? {});
  let secretEnv: Promise<Record<string, string>> | undefined;
  const envFor = (scripts: Script[]) =>
    scripts.some((s) => s.secretEnv?.length)
      ? (secretEnv ??= distro.secretEnv(base.cluster.secrets))
      : Promise.resolve({});
  const ctx: BootstrapContext = {
    ...base,
    ...view,
    certValidityDays: opts.certValidityDays ?? DEFAULT_CERT_VALIDITY_DAYS,
    provider,
    nodeApi: opts.nodeApi ?? (() => clusterNodeApi(base)),
    session: (m) => ssh.session(base, m),
    async exec(m, scripts) {
      const session = await ssh.session(base, m);
      const env = await envFor(scripts);
      const log = base.log.child(m.name);
      const outputs: string[] = [];
      for (const script of scripts) {
        log.info(`running ${script.name}: ${script.description}`);
        const out = await runScript(session, script, {
          secrets: base.cluster.secrets,
          ...(base.spec.airgap.dir ? { airgapDir: expandHome(base.spec.airgap.dir) } : {}),
          secretEnv: env,
          signal: base.signal,
          onLine: (l) => log.info(l),
        });
        outputs.push(out);
      }
      return outputs;
    },
    async recordInstalled(m) {
      const out = await runScript(await ssh.session(base, m), distro.versionScript(), {
        secrets: base.cluster.secrets,
        signal: base.signal,
      });
      const v = parseInstalledVersions(out);
      if (!v)
        throw new ProviderError(
          `could not read the installed Kubernetes version on ${m.name}: ${out.trim().split('\n').pop() ?? ''}`,
        );
      base.log.child(m.name).info(`installed: Kubernetes ${v.kubernetes} (${distro.name} ${v.distribution})`);
      await base.cluster.update((s) => {
        const cur = s.machines[m.name];
        if (cur) cur.installed = { ...v, readAt: new Date().toISOString() };
      });
    },
    liveScope(m) {
      const topology = view.topology();
      return {
        topology,
        machine: m,
        secrets: base.cluster.secrets,
        live: {
          ctx: base,
          async onControlPlane0(script) {
            const cp0 = await ssh.session(base, topology.controlPlanes[0]!);
            return runScript(cp0, script, {
              secrets: base.cluster.secrets,
              secretEnv: await envFor([script]),
              signal: base.signal,
              onLine: (l) => base.log.info(l),
            });
          },
        },
      };
    },
  };
  return ctx;
}

/** The KubernetesManager over this run's cluster: its kubeconfig secret, CA verified (loads client-node lazily). */
async function clusterNodeApi(base: StepContext): Promise<NodeApi> {
  const km = await kubernetesManager({ store: { secrets: () => base.cluster.secrets } });
  const id = clusterIdOf(base.spec);
  return {
    waitOnboarded: (node, want, timeoutMs, signal) => km.waitOnboarded(id, node, want, timeoutMs, signal),
    close: () => km.close(),
  };
}
