/**
 * The self-managed bootstrap as a dependency graph (ARCHITECTURE.md, decision 4):
 *   infra → machines (all in parallel) → load balancer and etcd members as soon as their machines
 *   answer (bring-your-own machines: after the host preflight) → the host preflight of every future
 *   node (cgroup v2) → control plane 0 → the other control planes and every worker in parallel →
 *   kubeconfig.
 * With embedded etcd the control planes join one at a time (each join changes the etcd quorum).
 */
import type { ClusterSpec } from '../../api/types.js';
import type { PlannedMachine, SelfManagedCloud } from '../../cloud/types.js';
import type { Step } from '../../pipeline/types.js';
import type { ClusterState } from '../../state/types.js';
import { parseKubeconfigServer, rewriteServer } from './kubeconfig.js';
import type { BootstrapRuntime } from './runtime.js';
import { etcdSteps, lbStep } from './infra-steps.js';
import { HOST_PREFLIGHT_STEP, hostPreflightStep } from './host-preflight.js';
import { KUBECONFIG_SECRET } from '../ksctl.js';
import { contextName } from '../../kubeconfig/naming.js';
import { reachableAddress } from '../../distro/controllers/types.js';
import { lbForwardingScript } from '../../distro/scripts/haproxy.js';

export const machineStepId = (name: string) => `machine/${name}`;
export const nodeStepId = (m: { name: string; role: string }) => `${m.role === 'worker' ? 'worker' : 'controlplane'}/${m.name}`;

export function machineStep(rt: BootstrapRuntime, planned: PlannedMachine, provider: SelfManagedCloud): Step {
  return {
    id: machineStepId(planned.name),
    title: `Machine ${planned.name} (${planned.role})`,
    needs: provider.machineNeeds(planned.role),
    target: planned.name,
    details: { role: planned.role, ...(planned.size ? { size: planned.size } : {}), ...(planned.spot ? { spot: true } : {}) },
    async run(ctx) {
      const m = await provider.ensureMachine(ctx, planned);
      await rt.session(ctx, m); // waits for SSH and pins the host key
      await ctx.cluster.update((s) => {
        const cur = s.machines[m.name];
        if (cur && cur.status === 'pending') cur.status = 'running';
      });
    },
  };
}

/**
 * One machine becomes a node. `onJoined` changes state in the same write that marks the machine
 * bootstrapped, and only on that transition (a day-2 worker is counted in the spec once it has joined).
 */
function nodeStep(rt: BootstrapRuntime, m: PlannedMachine, needs: string[], kind: 'init' | 'join-cp' | 'worker', onJoined?: (s: ClusterState) => void): Step {
  const title = kind === 'init' ? `Control plane ${m.name} (init)` : kind === 'join-cp' ? `Control plane ${m.name} (join)` : `Worker ${m.name} (join)`;
  return {
    id: nodeStepId(m),
    title,
    needs,
    target: m.name,
    details: { distribution: rt.distro.name },
    async run(ctx) {
      const t = rt.topology(ctx);
      const machine = rt.machine(ctx, m.name);
      const cp0 = t.controlPlanes[0]!;
      let scripts;
      if (kind === 'init') scripts = await rt.distro.initScripts(t, machine);
      else {
        await rt.distro.prepareJoin(ctx, await rt.session(ctx, cp0), t, await rt.secretEnv(ctx));
        scripts = kind === 'join-cp' ? await rt.distro.joinControlPlaneScripts(t, machine, ctx.cluster.secrets) : await rt.distro.joinWorkerScripts(t, machine, ctx.cluster.secrets);
      }
      await rt.run(ctx, machine, scripts);
      await rt.recordInstalled(ctx, machine);
      // "Control plane 0 is up" means up *through the load balancer*: every join goes that way.
      if (kind === 'init') await rt.run(ctx, t.loadBalancer, [lbForwardingScript()]);
      await ctx.cluster.update((s) => {
        const cur = s.machines[m.name];
        if (!cur || cur.status === 'bootstrapped') return;
        cur.status = 'bootstrapped';
        onJoined?.(s);
      });
    },
  };
}

export function kubeconfigStep(rt: BootstrapRuntime, cp0: PlannedMachine): Step {
  return {
    id: 'kubeconfig',
    title: 'Fetch the kubeconfig (server: the load balancer)',
    needs: [nodeStepId(cp0)],
    async run(ctx) {
      const t = rt.topology(ctx);
      const session = await rt.session(ctx, rt.machine(ctx, cp0.name));
      const raw = (await session.download(rt.distro.kubeconfigPath, { sudo: true })).toString('utf8');
      const server = `https://${reachableAddress(t.loadBalancer)}:6443`;
      const text = rewriteServer(raw, server);
      await ctx.cluster.secrets.put(KUBECONFIG_SECRET, text);
      await ctx.cluster.update((s) => {
        s.kubeconfig = { context: contextName(s.id), server: parseKubeconfigServer(text) ?? server };
      });
    },
  };
}

/** Steps that generate cluster-wide secrets before any machine needs them. */
function secretsStep(rt: BootstrapRuntime): Step {
  return {
    id: 'secrets/distribution',
    title: `Generate ${rt.distro.name} join credentials`,
    needs: [],
    run: (ctx) => rt.distro.ensureSecrets(ctx.cluster.secrets),
  };
}

export function buildCreatePlan(spec: ClusterSpec, provider: SelfManagedCloud, rt: BootstrapRuntime): Step[] {
  const planned = provider.machinePlan(spec);
  const of = (role: PlannedMachine['role']) => planned.filter((m) => m.role === role);
  const lb = of('loadbalancer')[0]!;
  const etcd = of('etcd');
  const cps = of('controlplane');
  const workers = of('worker');
  const cp0 = cps[0]!;

  const steps: Step[] = [...provider.infraSteps(spec), secretsStep(rt), ...planned.map((m) => machineStep(rt, m, provider))];
  const kubelets = [...cps, ...workers];
  steps.push(hostPreflightStep(rt, kubelets, kubelets.map((m) => machineStepId(m.name))));
  // Kubernetes goes on no machine before every future node passed (control plane 0 waits for the
  // preflight; every other node follows control plane 0). Machines that already exist (ssh provider,
  // where a cgroup v1 host is likely) are all checked before the load balancer and etcd too, so a
  // refusal leaves every machine untouched. On a cloud that would hold HAProxy and etcd back until the
  // last of N new VMs booted (+2.1 s at 100 workers in the simulated create), for images ksctl picks
  // itself with cgroup v2, so there they start as soon as their own machines answer.
  const gated = (s: Step): Step => ({ ...s, needs: [...s.needs, HOST_PREFLIGHT_STEP] });
  const gateInfra = provider.provider === 'ssh' ? gated : (s: Step) => s;
  steps.push(gateInfra(lbStep(rt, lb, cps)));
  const etcdReady = etcd.length > 0 ? etcdSteps(rt, etcd, spec.name) : { steps: [], ready: [] as string[] };
  // The first etcd step (its PKI) gates the members.
  steps.push(...etcdReady.steps.map((s, i) => (i === 0 ? gateInfra(s) : s)));

  steps.push(nodeStep(rt, cp0, [machineStepId(cp0.name), `lb/${lb.name}`, 'secrets/distribution', ...etcdReady.ready, HOST_PREFLIGHT_STEP], 'init'));
  let previous = nodeStepId(cp0);
  for (const cp of cps.slice(1)) {
    // Embedded etcd: one member joins at a time. External etcd: all together.
    steps.push(nodeStep(rt, cp, [machineStepId(cp.name), etcd.length === 0 ? previous : nodeStepId(cp0)], 'join-cp'));
    previous = nodeStepId(cp);
  }
  for (const w of workers) steps.push(nodeStep(rt, w, [machineStepId(w.name), nodeStepId(cp0)], 'worker'));
  steps.push(kubeconfigStep(rt, cp0));
  return steps;
}

export { nodeStep };
