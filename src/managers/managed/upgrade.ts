/**
 * Managed clusters' upgrades (issue 14): the cloud's own, control plane first, then each node pool in
 * the spec's order (the cloud surges, drains and replaces the pool's nodes, PodDisruptionBudgets
 * honoured). Checked before any cloud call (skew: one minor up, no downgrade), then against the
 * cloud's live version list (as create resolves versions). The control plane and each pool record
 * the version they reached in state (`versions.controlPlane`, `versions.pool/<name>`), so a re-run
 * after a crash plans only what is left; `versions.kubernetes` moves once everything is there.
 * kind has no upgrade: its nodes are containers of one image (exit 2).
 */
import type { UpgradeRequest } from '../../api/pool-change.js';
import type { ClusterId, ClusterSpec } from '../../api/types.js';
import { checkUpgrade, type UpgradeStep } from '../../api/upgrade.js';
import { loadProvider } from '../../cloud/registry.js';
import type { ManagedCloud } from '../../cloud/types.js';
import { InputError, StateError } from '../../errors.js';
import type { Step, StepContext } from '../../pipeline/types.js';
import type { ClusterHandle, ClusterState } from '../../state/types.js';
import { described, readOnlyHandle, recordedState } from '../day-two.js';
import type { DayTwoResult } from '../index.js';
import { runOperation, stepContext } from '../operation.js';
import type { ManagerDeps } from '../types.js';

export const CONTROL_PLANE_VERSION = 'controlPlane';
export const poolVersionKey = (pool: string) => `pool/${pool}`;

/** The skew check on what state records, before any cloud call. */
function checked(s: ClusterState, to: string): UpgradeStep {
  if (s.spec.provider === 'local')
    throw new InputError(
      'kind clusters are not upgraded in place: their nodes are containers of one node image',
      ['--k8s-version'],
      { hint: 'delete the cluster and create it again with --k8s-version (back up what it holds first)' },
    );
  const from = s.versions.kubernetes;
  if (!from) throw new StateError(`cluster ${s.id.name} has no recorded Kubernetes version to upgrade from`);
  return checkUpgrade(s.spec.provider, 'managed', from, to);
}

async function provider(deps: ManagerDeps, spec: ClusterSpec): Promise<ManagedCloud> {
  const p = await loadProvider(spec.provider, 'managed', deps.providerHooks);
  if (p.kind !== 'managed') throw new Error(`provider ${spec.provider} registered as managed is not`);
  if (!p.upgradeControlPlane || !p.upgradeNodePool)
    throw new InputError(`${spec.provider} managed clusters cannot be upgraded by ksctl`, ['--k8s-version']);
  return p;
}

/** The version the cloud will run: `to` checked against its live list (exit 2 when not offered). */
async function liveTarget(p: ManagedCloud, ctx: StepContext, to: string): Promise<string> {
  try {
    return (await p.resolveKubernetesVersion({ ...ctx, spec: { ...ctx.spec, kubernetesVersion: to } })) ?? to;
  } catch (e) {
    // The cloud's refusal names the create-time field; here the version came from the flag.
    if (e instanceof InputError) throw new InputError(e.message, ['--k8s-version'], { hint: e.hint });
    throw e;
  }
}

function upgradeSteps(p: ManagedCloud, s: ClusterState, target: string): Step[] {
  const record = (key: string) => async (ctx: StepContext) =>
    void (await ctx.cluster.update((st) => {
      st.versions[key] = target;
    }));
  const steps: Step[] = [];
  const base = `upgrade/${target}`;
  if (s.versions[CONTROL_PLANE_VERSION] !== target) {
    steps.push({
      id: `${base}/control-plane`,
      title: `Upgrade the control plane to ${target}`,
      needs: [],
      target: s.spec.name,
      details: { from: s.versions[CONTROL_PLANE_VERSION] ?? s.versions.kubernetes, to: target },
      run: async (ctx) => {
        await p.upgradeControlPlane!(ctx, target);
        await record(CONTROL_PLANE_VERSION)(ctx);
      },
    });
  }
  for (const pool of s.spec.nodePools) {
    if (s.versions[poolVersionKey(pool.name)] === target) continue;
    const previous = steps.at(-1);
    steps.push({
      id: `${base}/pool/${pool.name}`,
      title: `Upgrade node pool ${pool.name} to ${target}`,
      // One pool at a time, after the control plane: nodes never run ahead of the API server.
      needs: previous ? [previous.id] : [],
      target: pool.name,
      details: { nodes: pool.count },
      run: async (ctx) => {
        await p.upgradeNodePool!(ctx, pool.name, target);
        await record(poolVersionKey(pool.name))(ctx);
      },
    });
  }
  return steps;
}

export async function upgradeManaged(deps: ManagerDeps, id: ClusterId, req: UpgradeRequest): Promise<DayTwoResult> {
  if (req.dryRun) {
    const s = await recordedState(deps, id);
    checked(s, req.to);
    const p = await provider(deps, s.spec);
    const target = await liveTarget(p, stepContext(deps, readOnlyHandle(deps, s), s.spec), req.to);
    return { steps: described(upgradeSteps(p, s, target)) };
  }
  let steps: Step[] = [];
  let p: ManagedCloud | undefined;
  let target = '';
  await runOperation(deps, {
    kind: 'update',
    id,
    preflight: async (h: ClusterHandle, ctx) => {
      checked(h.state!, req.to);
      p = await provider(deps, h.state!.spec);
      target = await liveTarget(p, ctx, req.to);
      // The cloud keeps the control plane's data (etcd is not ours): there is nothing to back up.
      if (req.backup) deps.log.debug('managed cluster: the cloud keeps the control plane state; no backup taken');
    },
    plan: async (h) => {
      steps = upgradeSteps(p!, h.state!, target);
      return { steps, ctx: stepContext(deps, h, h.state!.spec), result: undefined };
    },
    afterRun: async (h) => {
      await h.update((s) => {
        s.versions.kubernetes = target;
        s.versions.requested = req.to;
        s.spec.kubernetesVersion = req.to;
      });
    },
  });
  return { steps: described(steps) };
}
