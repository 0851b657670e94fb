/**
 * ManagedManager: clusters the cloud runs (EKS, AKS, GKE, kind). The provider supplies the create
 * steps; the manager adds the kubeconfig step, runs the graph, keeps state and the user's kubeconfig.
 */
import { clusterIdOf, formatClusterId, type ClusterId, type ClusterSpec } from '../api/types.js';
import { NotFoundError } from '../errors.js';
import { loadProvider } from '../cloud/registry.js';
import type { ManagedCloud, PlannedResource } from '../cloud/types.js';
import { contextName } from '../kubeconfig/naming.js';
import { parseKubeconfig } from '../kubeconfig/file.js';
import { runPlan } from '../pipeline/executor.js';
import type { Plan, Step, StepContext } from '../pipeline/types.js';
import { newClusterState } from '../state/new-state.js';
import type { ClusterHandle } from '../state/types.js';
import { KsctlManager, KUBECONFIG_SECRET } from './ksctl.js';
import { recordedRun } from './lifecycle.js';
import { assertSameSpec } from './spec-drift.js';
import type { ManagerDeps } from './types.js';

export interface CreateResult {
  id: ClusterId;
  context?: string;
  kubeconfigFiles: string[];
}

async function managedProvider(spec: ClusterSpec): Promise<ManagedCloud> {
  const p = await loadProvider(spec.provider, 'managed');
  if (p.kind !== 'managed') throw new Error(`provider ${spec.provider} registered as managed is not`);
  return p;
}

function kubeconfigStep(provider: ManagedCloud, needs: string[]): Step {
  return {
    id: 'kubeconfig',
    title: 'Save the cluster kubeconfig',
    needs,
    async run(ctx) {
      const text = await provider.kubeconfig(ctx);
      const cfg = await parseKubeconfig(text, 'the provider kubeconfig');
      await ctx.cluster.secrets.put(KUBECONFIG_SECRET, text);
      const server = (cfg.clusters?.[0]?.cluster as { server?: string } | undefined)?.server;
      await ctx.cluster.update((s) => {
        s.kubeconfig = { context: contextName(s.id), ...(server ? { server } : {}) };
      });
    },
  };
}

export class ManagedManager {
  constructor(private readonly deps: ManagerDeps) {}

  async plan(spec: ClusterSpec): Promise<{ resources: PlannedResource[]; plan: Plan }> {
    const provider = await managedProvider(spec);
    const steps = provider.createSteps(spec);
    return { resources: provider.plannedResources(spec), plan: { steps: [...steps, kubeconfigStep(provider, steps.map((s) => s.id))] } };
  }

  async create(spec: ClusterSpec, opts: { switchContext: boolean }): Promise<CreateResult> {
    const id = clusterIdOf(spec);
    const provider = await managedProvider(spec);
    const h = await this.deps.store.lock(id, this.deps.command);
    try {
      if (h.state) assertSameSpec(h.state.spec, spec);
      const ctx = this.context(h, spec);
      // Preflight before the first state write: a failure here leaves nothing behind. The version
      // the cloud will run (the spec's, checked against its live list, or its default) is recorded
      // with the first write, so a re-run asks for the same one.
      if (!h.state) {
        await provider.preflight(ctx);
        const version = await provider.resolveKubernetesVersion(ctx);
        const state = newClusterState(spec);
        if (version) state.versions.kubernetes = version;
        if (spec.kubernetesVersion) state.versions.requested = spec.kubernetesVersion;
        await h.save(state);
      }
      this.deps.attachLogFile?.(h.logFile);
      // The steps ask the cloud for the recorded version; the state's spec stays as the user wrote it.
      const recorded = spec.kubernetesVersion ?? h.state?.versions.kubernetes;
      const runSpec: ClusterSpec = recorded && spec.provider !== 'local' ? { ...spec, kubernetesVersion: recorded } : spec;
      const runCtx = this.context(h, runSpec);
      const { plan } = await this.plan(runSpec);
      await recordedRun(h, this.deps.command, 'creating', 'ready', (run) => runPlan(plan, runCtx, { run, concurrency: this.deps.concurrency, onEvent: this.deps.onEvent }));
    } finally {
      h.release();
    }
    const ksctl = new KsctlManager(this.deps);
    const sw = await ksctl.switch(id, opts.switchContext);
    return { id, context: sw.context, kubeconfigFiles: sw.files };
  }

  async delete(id: ClusterId): Promise<void> {
    const h = await this.deps.store.lock(id, this.deps.command);
    try {
      if (!h.state) throw new NotFoundError(`cluster ${formatClusterId(id)} has no state`);
      const provider = await managedProvider(h.state.spec);
      this.deps.attachLogFile?.(h.logFile);
      const ctx = this.context(h, h.state.spec);
      // A successful delete removes the state, so only a failure is recorded (okPhase is never written).
      await recordedRun(h, this.deps.command, 'deleting', 'deleting', (run) => runPlan({ steps: [destroyStep(provider)] }, ctx, { run, onEvent: this.deps.onEvent }));
      await new KsctlManager(this.deps).forget(id);
      await h.remove();
    } finally {
      h.release();
    }
  }

  private context(h: ClusterHandle, spec: ClusterSpec): StepContext {
    return { spec, cluster: h, log: this.deps.log, signal: this.deps.signal };
  }
}

export function destroyStep(provider: { destroy(ctx: StepContext): Promise<void> }): Step {
  // A fresh id per delete run, so an earlier run's "done" never skips it.
  return { id: `destroy/${Date.now()}`, title: 'Delete cloud resources', needs: [], run: (ctx) => provider.destroy(ctx) };
}
