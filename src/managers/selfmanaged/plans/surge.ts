/**
 * One worker replaced during an upgrade (a surge, upgrade-rollout.ts decides which), from the day-2
 * building blocks: the new machine of the worker's pool (steps/machine.ts: written to state as
 * `pending` before the cloud is called, found by name and tag if a lost answer made it), its host
 * preflight, its join at the new version and the onboarding check (Ready, providerID, the pool's labels
 * and taints), Ready at the new kubelet version; then the old worker is marked `removing`, drained
 * (plans/remove-worker.ts: Eviction API, budgets honoured with the upgrade's --drain-timeout and
 * --force), its Node deleted and its VM deleted, and it leaves state in the write that keeps its pool's
 * count. The new machine is not counted on joining, so the pool's count never moves.
 *
 * Every id is `<run prefix>/surge/<old worker>/<what>`: a re-run of the same upgrade finds its records
 * (a finished drain is not run again), and state says which machine replaces which.
 */
import { InputError, ProviderError } from '../../../errors.js';
import { isCapacityRefusal } from '../../../cloud/common/capacity.js';
import type { PlannedMachine } from '../../../cloud/types.js';
import type { ClusterState } from '../../../state/types.js';
import type { BootstrapContext, BootstrapView } from '../context.js';
import { hostPreflightStep } from '../steps/host-preflight.js';
import { machineStep } from '../steps/machine.js';
import { joinedWorkerSteps } from '../steps/onboard.js';
import type { BootstrapStep } from '../steps/types.js';
import { atVersion, untilAnswered, waitReadyAt, type UpgradeRun } from '../steps/upgrade-node.js';
import { intentOf } from '../worker-addition.js';
import type { PlanSource } from './create.js';
import { removeMachineSteps } from './remove-worker.js';

export interface SurgeInput {
  run: UpgradeRun;
  source: PlanSource;
  /** The worker replaced, its pool, and the machine replacing it. */
  old: string;
  pool: string;
  surge: PlannedMachine;
  /** What the first step waits for (the node before it in the upgrade's one chain). */
  needs: string[];
  /** Infrastructure steps of this plan (a cluster whose create did not finish them); the machine needs them. */
  infra: ReadonlySet<string>;
}

/** The view or context with the target release as the spec's: a join installs what the spec says. */
export function atRelease<V extends BootstrapView>(v: V, version: string): V {
  const spec = { ...v.spec, kubernetesVersion: version };
  const out: V = { ...v, spec, topology: () => ({ ...v.topology(), spec }) };
  const live = (v as Partial<BootstrapContext>).liveScope;
  if (live)
    (out as Partial<BootstrapContext>).liveScope = (m) => {
      const s = live(m);
      return { ...s, topology: { ...s.topology, spec } };
    };
  return out;
}

export function surgeSteps(input: SurgeInput): BootstrapStep[] {
  const { run, source, old, pool, surge } = input;
  const S = surge.name;
  const id = (what: string) => `${run.prefix}/surge/${old}/${what}`;
  const version = (ctx: BootstrapContext) => run.resolved(ctx) ?? run.requested;

  const machine = machineStep(surge, source.provider);
  const preflight = hostPreflightStep([surge], [id('machine')]);
  const [join, onboard] = joinedWorkerSteps(surge, [], source.distro.name, []);
  // The stamp only names the day-2 steps' ids, which are replaced below.
  // A cloud's removal is [drain, delete VM]: the ssh provider never surges.
  const [drain, release] = removeMachineSteps(source, old, 0, run.drain, [id('onboard')], async (n, o) =>
    (await import('../../kubernetes/remove-node.js')).drainAndDeleteThrough(await run.kube(), run.id, n, o),
  ) as [BootstrapStep, BootstrapStep];

  return [
    {
      ...machine,
      id: id('machine'),
      title: `New machine ${S} for ${old} (pool ${pool}, ${surge.size})`,
      needs: [...input.needs, ...machine.needs.filter((n) => input.infra.has(n))],
      details: { ...machine.details, replaces: old },
      async run(ctx) {
        // Intent first: the machine and which worker it replaces, in one write, before any cloud call.
        await ctx.cluster.update((s) => recordIntent(s, old, surge));
        try {
          await machine.run(ctx);
        } catch (e) {
          if (!isCapacityRefusal(e) || ctx.signal.aborted) throw e;
          await giveUp(ctx, old, S);
          throw new ProviderError(
            `${ctx.spec.provider} refused a new machine ${S} to replace ${old} (${firstLine(e)}); nothing of it was left behind`,
            {
              cause: e,
              hint: `re-run the same upgrade with --in-place to upgrade the workers in place (each drained, no extra machine), or raise the quota and re-run it`,
            },
          );
        }
      },
    },
    { ...preflight, id: id('preflight'), target: S },
    {
      ...join,
      id: id('join'),
      title: `Worker ${S} (join at Kubernetes ${run.requested})`,
      needs: [id('machine'), id('preflight')],
      describe: (v) => join.describe(atRelease(v, run.requested)),
      async run(ctx) {
        const want = version(ctx);
        await join.run(atRelease(ctx, want));
        const installed = ctx.machine(S).installed?.kubernetes;
        if (!atVersion(installed, run, run.resolved(ctx)))
          throw new ProviderError(`${S} joined at ${installed ?? 'an unknown version'}, not ${want}`, {
            hint: `look at what ${ctx.spec.distribution} installed on ${S}; re-run the same upgrade to continue`,
          });
      },
    },
    {
      ...onboard,
      id: id('onboard'),
      needs: [id('join')],
      async run(ctx) {
        await onboard.run(ctx); // Ready, providerID, labels and taints; marks it bootstrapped (uncounted)
        const installed = ctx.machine(S).installed!.kubernetes;
        await waitReadyAt(await run.kube(), run, S, installed, ctx.signal);
        ctx.log.child(S).info(`${S} is Ready at ${installed}; ${old} goes next`);
      },
    },
    {
      ...drain,
      id: id('drain'),
      needs: [id('onboard')],
      async run(ctx) {
        // Marked before the drain: a crash mid-drain leaves it `removing`, replaced, for the re-run.
        if (ctx.cluster.state?.machines[old]?.status !== 'removing')
          await ctx.cluster.update((s) => {
            const m = s.machines[old];
            if (m) m.status = 'removing';
          });
        // Retried while the API does not answer; a budget that blocks past --drain-timeout stops the upgrade.
        await untilAnswered(
          () => drain.run(ctx),
          run,
          ctx.signal,
          (e) => !(e instanceof Error && e.name === 'DrainBlockedError') && !(e instanceof InputError),
        );
      },
    },
    { ...release, id: id('release'), needs: [id('drain')] },
  ];
}

/** The surge machine `pending` with its pool, named on the worker it replaces (once). */
function recordIntent(s: ClusterState, old: string, surge: PlannedMachine): void {
  const w = s.machines[old];
  if (w) w.replacedBy = surge.name;
  if (!s.machines[surge.name]) s.machines[surge.name] = intentOf(surge, undefined);
}

/** The cloud refused the machine: whatever of it exists is deleted, and state forgets it was meant. */
async function giveUp(ctx: BootstrapContext, old: string, name: string): Promise<void> {
  const m = ctx.cluster.state?.machines[name];
  if (m) await ctx.provider.deleteMachine(ctx, m);
  await ctx.cluster.update((s) => {
    delete s.machines[name];
    const w = s.machines[old];
    if (w?.replacedBy === name) delete w.replacedBy;
  });
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
