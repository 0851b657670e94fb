/**
 * The two kinds of upgrade step for one machine: staging (uploads and image imports, every node at
 * once) and the node's upgrade itself: cordon and drain through the Eviction API, the distribution's
 * scripts (kubeadm upgrade apply/node + kubelet, or the k3s binary swapped), uncordon, then wait until
 * the API reports the node Ready with the new kubelet version. A re-run finds a node already at the
 * version (read through the API and from the machine) and only makes sure it is uncordoned and recorded.
 */
import type { DrainFlags } from '../../../api/pool-change.js';
import { formatClusterId, type ClusterId } from '../../../api/types.js';
import type { NodeScope } from '../../../distro/controllers/types.js';
import { InputError, ProviderError } from '../../../errors.js';
import type { KubernetesManager, NodeInfo } from '../../kubernetes.js';
import type { BootstrapContext, BootstrapView } from '../context.js';
import type { BootstrapStep, MachineScripts } from './types.js';

/** What every upgrade step of one run shares. */
export interface UpgradeRun {
  id: ClusterId;
  /** `upgrade/<stamp>`: the run's steps are `<prefix>/...`, so an earlier upgrade's records never match. */
  prefix: string;
  /** The version asked for (`1.37` or `1.37.2`). */
  requested: string;
  /** The exact release the nodes are to run, once known (a minor resolves on the first control plane). */
  resolved(ctx: BootstrapContext): string | undefined;
  /** Records the exact release the first control plane reached. */
  resolve(ctx: BootstrapContext, exact: string): Promise<void>;
  drain: DrainFlags;
  kube(): Promise<KubernetesManager>;
  /** How long a node may take to be Ready at the new version after its scripts ran. */
  readyTimeoutMs: number;
  pollMs: number;
}

/** Does `have` (`v1.37.2`) satisfy the target: the exact release, or (not resolved yet) the minor asked for? */
export function atVersion(have: string | undefined, run: UpgradeRun, exact: string | undefined): boolean {
  if (!have) return false;
  const bare = have.replace(/^v/, '').replace(/\+.*$/, '');
  if (exact) return bare === exact.replace(/^v/, '').replace(/\+.*$/, '');
  const want = run.requested.replace(/^v/, '');
  return bare === want || bare.startsWith(`${want}.`);
}

/** The machine's scope with the target version as the spec's (the scripts install what the spec says). */
function scopeAt(ctx: BootstrapContext | BootstrapView, name: string, version: string, live?: NodeScope): NodeScope {
  const t = ctx.topology();
  return {
    ...(live ?? { secrets: ctx.secrets }),
    machine: ctx.machine(name),
    topology: { ...t, spec: { ...t.spec, kubernetesVersion: version } },
  };
}

export function upgradeStageStep(run: UpgradeRun, name: string, needs: string[]): BootstrapStep {
  return {
    id: `${run.prefix}/stage/${name}`,
    title: `Stage Kubernetes ${run.requested} on ${name}`,
    needs,
    target: name,
    async describe(v) {
      const scripts = await v.distro.upgradeStageScripts(scopeAt(v, name, run.requested));
      return scripts.length ? [{ machine: name, scripts }] : [];
    },
    async run(ctx) {
      const m = ctx.machine(name);
      const scripts = await ctx.distro.upgradeStageScripts(scopeAt(ctx, name, run.resolved(ctx) ?? run.requested));
      if (scripts.length) await ctx.exec(m, scripts);
    },
  };
}

export function upgradeNodeStep(run: UpgradeRun, name: string, first: boolean, needs: string[]): BootstrapStep {
  return {
    id: `${run.prefix}/node/${name}`,
    title: `Upgrade ${name} to Kubernetes ${run.requested}${first ? ' (first control plane)' : ''}`,
    needs,
    target: name,
    async describe(v): Promise<MachineScripts[]> {
      return [{ machine: name, scripts: await v.distro.upgradeScripts(scopeAt(v, name, run.requested), first) }];
    },
    async run(ctx) {
      const kube = await run.kube();
      const log = ctx.log.child(name);
      const exact = run.resolved(ctx);
      // Retried: right after an API server restarts (an upgraded control plane's, or a re-run after a
      // crash there) it answers 403 until its RBAC caches have synced, and may not answer at all.
      const node = await untilAnswered(() => readNode(kube, run.id, name), run, ctx.signal);
      if (!node)
        throw new ProviderError(`node ${name} is not registered in ${formatClusterId(run.id)}: cannot upgrade it`);
      const m = ctx.machine(name);
      if (!(atVersion(node.kubeletVersion, run, exact) && atVersion(m.installed?.kubernetes, run, exact))) {
        log.info(`draining ${name} (kubelet ${node.kubeletVersion ?? 'unknown'})`);
        // Retried while the API does not answer (a single control plane settling after its upgrade); a
        // drain a PodDisruptionBudget blocks past --drain-timeout is not retried: it stops the upgrade.
        await untilAnswered(
          () => kube.drain(run.id, name, { ...run.drain, signal: ctx.signal, onProgress: (l) => log.info(l) }),
          run,
          ctx.signal,
          (e) => !(e instanceof Error && e.name === 'DrainBlockedError') && !(e instanceof InputError),
        );
        const version = exact ?? run.requested;
        await ctx.exec(m, await ctx.distro.upgradeScripts(scopeAt(ctx, name, version, ctx.liveScope(m)), first));
      } else log.info(`${name} already runs ${node.kubeletVersion}`);
      await ctx.recordInstalled(m);
      const installed = ctx.machine(name).installed?.kubernetes;
      if (!atVersion(installed, run, exact))
        throw new ProviderError(
          `${name} runs ${installed ?? 'an unknown version'} after its upgrade, not ${exact ?? run.requested}`,
        );
      if (first && !exact) await run.resolve(ctx, installed!);
      await untilAnswered(() => kube.uncordon(run.id, name), run, ctx.signal);
      await waitReadyAt(kube, run, name, installed!, ctx.signal);
      log.info(`${name} is Ready at ${installed}`);
    },
  };
}

/** A call retried while the API behind the load balancer restarts (an upgraded control plane's). */
export async function untilAnswered<T>(
  call: () => Promise<T>,
  run: UpgradeRun,
  signal: AbortSignal,
  retryable: (e: unknown) => boolean = () => true,
): Promise<T> {
  const deadline = Date.now() + run.readyTimeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (e) {
      if (signal.aborted || Date.now() > deadline || !retryable(e)) throw e;
      await new Promise((r) => setTimeout(r, run.pollMs));
    }
  }
}

async function readNode(kube: KubernetesManager, id: ClusterId, name: string): Promise<NodeInfo | undefined> {
  return (await kube.nodes(id)).find((n) => n.name === name);
}

/** Polls the API until the node is Ready and its kubelet reports `version` (bounded; Ctrl-C stops it). */
export async function waitReadyAt(
  kube: KubernetesManager,
  run: UpgradeRun,
  name: string,
  version: string,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + run.readyTimeoutMs;
  let last: NodeInfo | undefined;
  for (;;) {
    last = await readNode(kube, run.id, name).catch(() => last); // the API restarts under an upgrading control plane
    if (last?.ready && last.kubeletVersion === version) return;
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('interrupted');
    if (Date.now() > deadline)
      throw new ProviderError(
        `node ${name} is not Ready at ${version} after ${Math.round(run.readyTimeoutMs / 1000)} s (Ready: ${last?.ready ?? 'unknown'}, kubelet ${last?.kubeletVersion ?? 'unknown'})`,
        { hint: `look at the kubelet on ${name}; re-run the same upgrade to continue from this node` },
      );
    await new Promise((r) => setTimeout(r, run.pollMs));
  }
}
