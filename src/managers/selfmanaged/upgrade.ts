/**
 * Self-managed rolling upgrades: a backup, control planes one at a time, then each pool (plans/upgrade.ts).
 * The run's intent is recorded in `versions` before the first step (`upgradeTarget`, `upgradeStamp`,
 * `upgradeBackup`; `upgradeResolved` once the first control plane reached an exact release), so a re-run
 * after a failure or a crash resumes the same plan: its steps' records say what is done, and each node
 * step re-checks the node itself. `versions.kubernetes` stays the version before the upgrade until the
 * last step, which records the new one (and the spec's) and drops the intent.
 */
import type { ManagerDeps } from '../types.js';
import type { UpgradeRequest } from '../../api/pool-change.js';
import { formatClusterId, type ClusterId } from '../../api/types.js';
import { checkUpgrade } from '../../api/upgrade.js';
import { isPatchVersion } from '../../api/catalog.js';
import { InputError, NotFoundError } from '../../errors.js';
import type { Step, StepDescription } from '../../pipeline/types.js';
import type { ClusterState, SecretStore } from '../../state/types.js';
import type { DayTwoResult } from '../index.js';
import type { KubernetesManager } from '../kubernetes.js';
import type { BootstrapContext } from './context.js';
import { describedSteps } from './dry-run.js';
import type { SelfManagedManager } from './manager.js';
import { missingInfra } from './plans/add-worker.js';
import type { PlanSource } from './plans/create.js';
import { surgeSteps } from './plans/surge.js';
import { upgradeSteps, type UpgradePlanInput } from './plans/upgrade.js';
import { plannedMachinesView } from './pool-view.js';
import { atVersion, type UpgradeRun } from './steps/upgrade-node.js';
import { UPGRADE_TARGET_KEY } from './upgrade-guard.js';
import { planRollout, type Rollout } from './upgrade-rollout.js';
import { intentOf } from './worker-addition.js';
import { recordClusterVersions } from './versions.js';

/** Keys of `state.versions` an unfinished upgrade keeps. */
export const UPGRADE_KEYS = {
  target: UPGRADE_TARGET_KEY,
  stamp: 'upgradeStamp',
  resolved: 'upgradeResolved',
  backup: 'upgradeBackup',
} as const;

export interface UpgradeOptions {
  /** The cluster's API (tests and benchmarks pass a stand-in); default: through the kubeconfig in state. */
  kube?: (secrets: () => SecretStore) => Promise<KubernetesManager>;
  readyTimeoutMs?: number;
  pollMs?: number;
}

/** The version the cluster ran before this upgrade (or runs, with none under way). */
export function clusterVersion(s: ClusterState): string {
  if (s.versions.kubernetes) return s.versions.kubernetes;
  const seen = Object.values(s.machines)
    .map((m) => m.installed?.kubernetes)
    .filter((v): v is string => !!v);
  return seen[0] ?? s.spec.kubernetesVersion ?? 'unknown';
}

/** Every refusal, before anything is written (exit 2). */
export function checkUpgradeRequest(s: ClusterState, req: UpgradeRequest): void {
  const pending = s.versions[UPGRADE_KEYS.target];
  if (pending && pending !== req.to)
    throw new InputError(
      `--k8s-version: the upgrade of ${s.id.name} to ${pending} is unfinished; finish it first`,
      ['--k8s-version'],
      { hint: `re-run: ksctl upgrade cluster ${s.id.name} --k8s-version ${pending}` },
    );
  if (!pending) checkUpgrade(s.spec.provider, 'selfmanaged', clusterVersion(s), req.to);
  const fromFiles = s.spec.airgap.enabled && !s.spec.kubeadm?.packageRepository;
  if (fromFiles && s.spec.distribution === 'kubeadm' && !isPatchVersion(req.to))
    throw new InputError(
      `--k8s-version: an air-gapped kubeadm cluster without spec.kubeadm.packageRepository upgrades to the patch whose packages are in spec.airgap.dir, not to a minor (${req.to})`,
      ['--k8s-version'],
      { hint: `name the patch, e.g. --k8s-version ${req.to}.2` },
    );
}

export async function upgradeSelfManaged(
  mgr: SelfManagedManager,
  id: ClusterId,
  req: UpgradeRequest,
  deps: ManagerDeps,
  opts: UpgradeOptions = {},
): Promise<DayTwoResult> {
  if (req.dryRun) return dryRun(mgr, id, req, deps);
  let kube: Promise<KubernetesManager> | undefined;
  let planned: Step<BootstrapContext>[] = [];
  try {
    await mgr.operation(id, undefined, (machinery) => ({
      kind: 'update',
      plan: async (h) => {
        if (finishedUnclosed(h.state!, req)) {
          await h.update(closeLastRun);
          return { nothingToDo: true, result: undefined };
        }
        checkUpgradeRequest(h.state!, req);
        const m = await machinery(h);
        const s0 = h.state!;
        const { backupRunName } = await import('../backup/pending.js');
        const stamp = s0.versions[UPGRADE_KEYS.stamp] ?? Date.now().toString(36);
        const backupName = req.backup
          ? (s0.versions[UPGRADE_KEYS.backup] ?? backupRunName(s0, id.name, new Date()))
          : undefined;
        const run = upgradeRun(id, stamp, req, () => (kube ??= (opts.kube ?? defaultKube)(() => h.secrets)), opts);
        const { rollout, ...workers } = workerPlan(s0, req, run, m);
        // The intent, in one write: the target, and which worker each new machine replaces.
        await h.update((s) => {
          s.versions[UPGRADE_KEYS.target] = req.to;
          s.versions[UPGRADE_KEYS.stamp] = stamp;
          if (backupName) s.versions[UPGRADE_KEYS.backup] = backupName;
          for (const [old, name] of Object.entries(rollout.name)) s.machines[old]!.replacedBy = name;
          for (const old of rollout.unname) delete s.machines[old]!.replacedBy;
        });
        const steps = upgradeSteps({
          run,
          backup: backupName ? await backupSteps(deps, h, backupName) : [],
          machines: Object.values(h.state!.machines),
          ...workers,
          finish: (needs) => finishStep(run, req, needs),
        });
        planned = steps;
        return { steps, ctx: mgr.context(h, h.state!.spec, m), concurrency: 16, result: undefined };
      },
    }));
    return { steps: describe(planned) };
  } finally {
    const k = kube && ((await kube.catch(() => undefined)) as { close?: () => Promise<void> } | undefined);
    await k?.close?.();
  }
}

/** How the workers move (in place or replaced) and the steps of a replacement: the run's and the dry run's. */
function workerPlan(
  s: ClusterState,
  req: UpgradeRequest,
  run: UpgradeRun,
  source: PlanSource,
): Pick<UpgradePlanInput, 'workers' | 'surge' | 'infra'> & { rollout: Rollout } {
  const exact = s.versions[UPGRADE_KEYS.resolved] ?? (isPatchVersion(req.to) ? req.to : undefined);
  const rollout = planRollout(s, !!req.inPlace, (m) => atVersion(m.installed?.kubernetes, run, exact));
  const surges = rollout.workers.some((w) => w.kind === 'surge');
  const { provider } = source;
  const infra = surges ? missingInfra(provider.infraSteps(s.spec), provider.machineNeeds('worker'), s) : [];
  const infraIds = new Set(infra.map((x) => x.id));
  return {
    rollout,
    workers: rollout.workers,
    infra,
    surge: (w, needs) => surgeSteps({ run, source, old: w.old, pool: w.pool, surge: w.surge, needs, infra: infraIds }),
  };
}

async function defaultKube(secrets: () => SecretStore): Promise<KubernetesManager> {
  const { kubernetesManager } = await import('../kubernetes.js');
  return kubernetesManager({ store: { secrets } });
}

function upgradeRun(
  id: ClusterId,
  stamp: string,
  req: UpgradeRequest,
  kube: () => Promise<KubernetesManager>,
  opts: UpgradeOptions,
): UpgradeRun {
  return {
    id,
    prefix: `upgrade/${stamp}`,
    requested: req.to,
    resolved: (ctx) =>
      ctx.cluster.state?.versions[UPGRADE_KEYS.resolved] ?? (isPatchVersion(req.to) ? req.to : undefined),
    resolve: (ctx, exact) =>
      ctx.cluster
        .update((s) => {
          s.versions[UPGRADE_KEYS.resolved] = exact.replace(/^v/, '');
        })
        .then(() => undefined),
    drain: req.drain,
    kube,
    readyTimeoutMs: opts.readyTimeoutMs ?? 10 * 60_000,
    pollMs: opts.pollMs ?? 1000,
  };
}

function finishStep(run: UpgradeRun, req: UpgradeRequest, needs: string[]): Step<BootstrapContext> {
  return {
    id: `${run.prefix}/finish`,
    title: `Record Kubernetes ${req.to} as the cluster's version`,
    needs,
    async run(ctx) {
      await ctx.cluster.update((s) => {
        s.spec.kubernetesVersion = req.to;
        recordClusterVersions(s, s.spec);
        for (const k of Object.values(UPGRADE_KEYS)) delete s.versions[k];
      });
    },
  };
}

/**
 * The same upgrade, killed after its last step recorded the new version but before its run was closed:
 * nothing is left to do but the closing (without it, the cluster would stay `updating` and the same
 * command would be refused as "already runs").
 */
function finishedUnclosed(s: ClusterState, req: UpgradeRequest): boolean {
  const last = s.runs.length - 1;
  return (
    s.phase === 'updating' &&
    s.runs[last]?.result === undefined &&
    !s.versions[UPGRADE_KEYS.target] &&
    s.spec.kubernetesVersion === req.to &&
    // Its last step ran in that run (its one write cleared the target, whether or not "done" followed).
    s.steps.some((x) => x.run === last && /^upgrade\/[^/]+\/finish$/.test(x.id))
  );
}

function closeLastRun(s: ClusterState): void {
  const r = s.runs[s.runs.length - 1]!;
  r.result = 'ok';
  r.endedAt = new Date().toISOString();
  s.phase = 'ready';
}

/** The backup manager's own steps (snapshot, upload, retention) to its default target. */
async function backupSteps(
  deps: ManagerDeps,
  h: { dir: string; secrets: SecretStore; id: ClusterId },
  name: string,
): Promise<Step<BootstrapContext>[]> {
  const [{ defaultTarget }, { openStorage }, { formatBackupTarget }, { ensureBackupKey }, { Staging }, plan] =
    await Promise.all([
      import('../backup/manager.js'),
      import('../../backup/targets/index.js'),
      import('../../api/backup.js'),
      import('../../backup/key.js'),
      import('../backup/staging.js'),
      import('../backup/create-plan.js'),
    ]);
  const target = defaultTarget(deps.store.root, h.id);
  const storage = openStorage(target, deps.env);
  storage.catch(() => undefined); // awaited by the backup steps (the snapshot streams into it)
  return plan.backupCreateSteps({
    name,
    storage,
    url: formatBackupTarget(target),
    staging: new Staging(h.dir),
    key: () => ensureBackupKey(h.secrets),
  });
}

/** `--dry-run`: the same checks and plan over the recorded machines, stand-in secrets; nothing written. */
async function dryRun(mgr: SelfManagedManager, id: ClusterId, req: UpgradeRequest, deps: ManagerDeps) {
  const s = await deps.store.read(id);
  if (!s) throw new NotFoundError(`cluster ${formatClusterId(id)} has no state`);
  checkUpgradeRequest(s, req);
  const stamp = s.versions[UPGRADE_KEYS.stamp] ?? 'dry-run';
  const never = () => Promise.reject(new Error('dry run'));
  const run = upgradeRun(id, stamp, req, never, {});
  const source = await mgr.planSource(s.spec);
  const { distro } = source;
  const { rollout: _, ...workers } = workerPlan(s, req, run, source);
  const steps = upgradeSteps({
    run,
    backup: req.backup
      ? [
          {
            id: `backup/${s.versions[UPGRADE_KEYS.backup] ?? '<new>'}`,
            title: 'Back up etcd first (ksctl backup create, to the default target)',
            needs: [],
            run: never,
          },
        ]
      : [],
    machines: Object.values(s.machines),
    ...workers,
    finish: (needs) => finishStep(run, req, needs),
  });
  // The new machines, as their intent will record them, at stand-in addresses.
  const planned = workers.workers.flatMap((w) =>
    w.kind === 'surge' && !s.machines[w.surge.name] ? [intentOf(w.surge, undefined)] : [],
  );
  return { steps: describe(await describedSteps(steps, plannedMachinesView(s, planned, s.spec, distro))) };
}

function describe(steps: Step<BootstrapContext>[]): StepDescription[] {
  return steps.map(({ id, title, needs, target, details }) => ({
    id,
    title,
    needs,
    ...(target ? { target } : {}),
    ...(details ? { details } : {}),
  }));
}
