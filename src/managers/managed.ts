/**
 * ManagedManager: clusters the cloud runs (EKS, AKS, GKE, kind). The provider supplies the create
 * steps; the manager adds the kubeconfig step and runs create and delete through the one outline
 * (operation.ts). Day 2 on a managed cluster belongs to the cloud's node pools.
 */
import type { PoolChangeOptions, PoolTarget, UpgradeRequest } from '../api/pool-change.js';
import { clusterIdOf, type ClusterId, type ClusterSpec } from '../api/types.js';
import { InputError } from '../errors.js';
import { loadProvider } from '../cloud/registry.js';
import type { ManagedCloud, PlannedResource, ProviderHooks } from '../cloud/types.js';
import { parseKubeconfig } from '../kubeconfig/file.js';
import type { Plan, Step } from '../pipeline/types.js';
import { newClusterState } from '../state/new-state.js';
import { destroyStep } from './destroy-step.js';
import type { ClusterLifecycle, CreateResult, DayTwoResult, PoolChangeResult } from './index.js';
import { saveKubeconfig } from './kubeconfig-secret.js';
import { runOperation, stepContext } from './operation.js';
import type { ManagerDeps } from './types.js';

async function managedProvider(spec: ClusterSpec, hooks: ProviderHooks | undefined): Promise<ManagedCloud> {
  const p = await loadProvider(spec.provider, 'managed', hooks);
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
      await saveKubeconfig(ctx, text, (cfg.clusters?.[0]?.cluster as { server?: string } | undefined)?.server);
    },
  };
}

function createPlan(provider: ManagedCloud, spec: ClusterSpec): Plan {
  const steps = provider.createSteps(spec);
  return {
    steps: [
      ...steps,
      kubeconfigStep(
        provider,
        steps.map((s) => s.id),
      ),
    ],
  };
}

export class ManagedManager implements ClusterLifecycle {
  constructor(private readonly deps: ManagerDeps) {}

  async plan(spec: ClusterSpec): Promise<{ resources: PlannedResource[]; plan: Plan }> {
    const provider = await managedProvider(spec, this.deps.providerHooks);
    return { resources: provider.plannedResources(spec), plan: createPlan(provider, spec) };
  }

  async create(spec: ClusterSpec, opts: { switchContext: boolean }): Promise<CreateResult> {
    const id = clusterIdOf(spec);
    const provider = await managedProvider(spec, this.deps.providerHooks);
    const out = await runOperation(this.deps, {
      kind: 'create',
      id,
      spec,
      switchContext: opts.switchContext,
      // Preflight before the first state write: a failure here leaves nothing behind.
      preflight: async (h, ctx) => {
        if (!h.state) await provider.preflight(ctx);
      },
      // The version the cloud will run (the spec's, checked against its live list, or its default) is
      // recorded with the first write, so a re-run asks for the same one.
      firstState: async (ctx) => {
        const version = await provider.resolveKubernetesVersion(ctx);
        const state = newClusterState(spec);
        if (version) state.versions.kubernetes = version;
        if (spec.kubernetesVersion) state.versions.requested = spec.kubernetesVersion;
        return state;
      },
      plan: async (h) => {
        // The steps ask the cloud for the recorded version; the state's spec stays as the user wrote it.
        const recorded = spec.kubernetesVersion ?? h.state?.versions.kubernetes;
        const runSpec: ClusterSpec =
          recorded && spec.provider !== 'local' ? { ...spec, kubernetesVersion: recorded } : spec;
        return {
          steps: createPlan(provider, runSpec).steps,
          ctx: stepContext(this.deps, h, runSpec),
          concurrency: this.deps.concurrency,
          result: undefined,
        };
      },
    });
    return { id, context: out.kubeconfig?.context, kubeconfigFiles: out.kubeconfig?.files ?? [] };
  }

  async delete(id: ClusterId): Promise<void> {
    await runOperation(this.deps, {
      kind: 'delete',
      id,
      plan: async (h) => {
        const spec = h.state!.spec;
        return {
          steps: [destroyStep(await managedProvider(spec, this.deps.providerHooks), Date.now())],
          ctx: stepContext(this.deps, h, spec),
          result: undefined,
        };
      },
    });
  }

  async addWorker(id: ClusterId): Promise<string[]> {
    throw notSelfManaged(id);
  }

  async removeWorker(id: ClusterId): Promise<string[]> {
    throw notSelfManaged(id);
  }

  async reconcilePools(id: ClusterId, pools: PoolTarget, opts: PoolChangeOptions): Promise<PoolChangeResult> {
    return (await import('./managed/pools.js')).reconcileManagedPools(this.deps, id, pools, opts);
  }

  async updateAccess(id: ClusterId, allowCidrs: string[], opts: { dryRun?: boolean }): Promise<DayTwoResult> {
    return (await import('./managed/access.js')).updateManagedAccess(this.deps, id, allowCidrs, opts);
  }

  async upgrade(id: ClusterId, req: UpgradeRequest): Promise<DayTwoResult> {
    return (await import('./managed/upgrade.js')).upgradeManaged(this.deps, id, req);
  }
}

const notSelfManaged = (id: ClusterId) =>
  new InputError(`${id.name} is a managed cluster: its node pools belong to the cloud`, ['cluster']);
