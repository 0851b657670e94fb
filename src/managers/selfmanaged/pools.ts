/**
 * Self-managed node pools on day 2 (`scale nodepool`, `create/delete nodepool`, `apply -f`), through
 * the one outline (operation.ts): the change is decided against state and validated before anything
 * is written (pool-change.ts), its intent recorded (new machines `pending` with their pool, machines
 * given up `removing`, new pools and min/max in the spec), then its steps run as a recorded plan
 * (plans/pools.ts). A crash anywhere, then the same command again, converges: the next run starts from
 * the machines state holds. `dryRun` describes the same steps and writes nothing.
 */
import type { PoolChangeOptions, PoolTarget } from '../../api/pool-change.js';
import { formatClusterId, type ClusterId } from '../../api/types.js';
import { NotFoundError } from '../../errors.js';
import { describeStep } from '../../pipeline/graph.js';
import type { StepDescription } from '../../pipeline/types.js';
import type { ClusterHandle, ClusterState, SecretStore } from '../../state/types.js';
import type { PoolChangeResult } from '../index.js';
import { describedSteps } from './dry-run.js';
import type { SelfManagedManager } from './manager.js';
import { resolvePoolChange, type NodeView, type PoolChange } from './pool-change.js';
import { diffPools } from './pool-diff.js';
import { poolChangeView } from './pool-view.js';
import { poolSteps } from './plans/pools.js';
import { assertNoUpgradeUnderway } from './upgrade-guard.js';

export async function reconcileSelfManagedPools(
  mgr: SelfManagedManager,
  id: ClusterId,
  target: PoolTarget,
  opts: PoolChangeOptions,
): Promise<PoolChangeResult> {
  if (opts.dryRun) {
    const state = await mgr.deps.store.read(id);
    if (!state) throw new NotFoundError(`cluster ${formatClusterId(id)} has no state`);
    assertNoUpgradeUnderway(state, 'node pools');
    // Which nodes a shrink would give up is the API's answer; without it the dry run still says how many.
    const nodes = await nodeViewFor(mgr.deps.store.secrets(id), state, target).catch(() => undefined);
    const change = resolvePoolChange(state, target, nodes);
    const source = await mgr.planSource(state.spec);
    const steps = poolSteps(source, state, change, opts.drain, Date.now());
    const described = await describedSteps(steps, poolChangeView(state, change, source.distro));
    return resultOf(change, described);
  }
  const out = await mgr.operation(id, undefined, (machinery) => ({
    kind: 'update',
    plan: async (h) => {
      const state = h.state!;
      assertNoUpgradeUnderway(state, 'node pools');
      const nodes = await nodeViewFor(h.secrets, state, target);
      const change = resolvePoolChange(state, target, nodes); // bad input: exit 2, nothing written yet
      const m = await machinery(h);
      // A key or passphrase problem of a listed machine is bad input too, before anything is recorded.
      if (change.intent.some((w) => w.privateAddress)) await m.ssh.checkLogins(change.runSpec);
      await recordIntent(h, change);
      const steps = poolSteps(m, h.state!, change, opts.drain, Date.now());
      return {
        steps,
        ctx: mgr.context(h, change.runSpec, m),
        // Every machine's chain runs at once: growth takes as long as the slowest machine.
        concurrency: mgr.deps.concurrency ?? Math.max(32, change.grow.length * 2 + change.shrink.length + 8),
        result: resultOf(change, steps.map(describeStep)),
      };
    },
  }));
  return out.result;
}

/**
 * The API's view of the nodes a shrink chooses from (Ready, since when, created when), read only when
 * some pool shrinks: growing needs no API, so a cluster whose API is down can still grow.
 */
async function nodeViewFor(
  secrets: Pick<SecretStore, 'get'>,
  state: ClusterState,
  target: PoolTarget,
): Promise<NodeView | undefined> {
  if (!diffPools(state, target.pools).some((d) => d.from > d.to)) return undefined;
  const { withClusterApi } = await import('../kubernetes/from-secrets.js');
  const nodes = await withClusterApi(secrets, 'list the nodes to choose which to remove', (api) => api.nodes());
  return new Map(nodes.map((n) => [n.name, n]));
}

/** Intent, in one write before any step: new machines pending with their pool, chosen ones removing, the spec's new pools. */
async function recordIntent(h: ClusterHandle, change: PoolChange): Promise<void> {
  const same = JSON.stringify(change.intentSpec) === JSON.stringify(h.state!.spec);
  if (change.intent.length === 0 && change.chosen.length === 0 && same) return;
  await h.update((s) => {
    for (const w of change.intent) s.machines[w.name] = w;
    for (const n of change.chosen) if (s.machines[n]) s.machines[n].status = 'removing';
    s.spec = change.intentSpec;
  });
}

function resultOf(change: PoolChange, steps: StepDescription[]): PoolChangeResult {
  return {
    steps,
    pools: change.pools,
    added: change.grow.map((w) => w.name),
    removed: [...change.shrink],
  };
}
