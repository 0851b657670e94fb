/**
 * The cloud provider contract, generic over "a provider under test + the fake cloud it talks to",
 * so AWS, Azure and GCP run the same suite:
 *
 * - create converges: every resource the fake holds afterwards is tagged as the cluster's and
 *   recorded in state, with exactly the expected counts; a re-run changes nothing;
 * - a crash (the process dying) before or after EVERY mutating call of a create, then a re-run,
 *   converges to exactly the same counts; a destroy after such a crash leaves nothing;
 * - a crash at EVERY mutating call of a destroy, then a re-run, leaves nothing;
 * - throttling on a fraction of calls is absorbed.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../src/api/types.js';
import type { ManagedCloud, SelfManagedCloud } from '../../src/cloud/types.js';
import type { StepContext } from '../../src/pipeline/types.js';
import { InputError } from '../../src/errors.js';
import { MemoryCluster, memoryLogger, stepContext } from '../fakes/memory-cluster.js';
import { runSteps, selfManagedSteps } from './run-steps.js';

export { selfManagedSteps };

export interface WorldResource {
  kind: string;
  id: string;
  /** Carries this cluster's ownership tag/label. */
  owned: boolean;
  /** Expected to appear in state (false for parts of another resource, like an instance's disk). */
  recordable: boolean;
}

/** One fresh fake cloud and how to poke it. */
export interface World<P> {
  readonly spec: ClusterSpec;
  /** A provider as a new ksctl process would build it. */
  provider(): P | Promise<P>;
  /** Arm a crash at the Nth mutating call from now ('before': no effect; 'after': effect, no answer). */
  crashAt(n: number, when: 'before' | 'after'): void;
  /** Disarm faults and revive the fake after a crash. */
  clearFaults(): void;
  throttle(rate: number): void;
  /** Mutating calls the fake has served so far. */
  mutatingCalls(): number;
  /** Called when the fake crashes (the test freezes the state handle). */
  onCrash(cb: () => void): void;
  /** What exists in the fake cloud, minus what the cloud itself manages. */
  resources(): WorldResource[];
  /** Exact counts by kind after a converged create. */
  expectedCounts(): Record<string, number>;
  isCrash(e: unknown): boolean;
  /** Mutating calls a re-run of a converged create may make (0 for tag-and-describe clouds). */
  rerunMutations?: number;
}

export interface ContractTarget<P> {
  name: string;
  world(): World<P>;
  /** Test every Nth crash point only (default 1: every one). */
  crashStride?: number;
  /** Fewer crash points than this means the loop is not testing much (default 1). */
  minCrashPoints?: number;
  /**
   * The same for destroy (default: minCrashPoints). Clouds that delete a whole container in one
   * call (an Azure resource group) have very few destroy crash points.
   */
  minDestroyCrashPoints?: number;
  timeoutMs?: number;
  /** Specs whose preflight must fail with an InputError before any mutating call (optional). */
  badSpecs?: { name: string; spec: ClusterSpec }[];
}

type Flow<P> = { create(p: P, ctx: StepContext): Promise<void>; destroy(p: P, ctx: StepContext): Promise<void> };

const selfManagedFlow: Flow<SelfManagedCloud> = {
  async create(p, ctx) {
    await p.preflight(ctx);
    await runSteps(selfManagedSteps(p, ctx.spec), ctx);
  },
  destroy: (p, ctx) => p.destroy(ctx),
};

const managedFlow: Flow<ManagedCloud> = {
  async create(p, ctx) {
    await p.preflight(ctx);
    await runSteps(p.createSteps(ctx.spec), ctx);
  },
  destroy: (p, ctx) => p.destroy(ctx),
};

/** Runs `fn` in a "process" that may crash; returns whether it did. */
async function maybeCrash<P>(w: World<P>, cluster: MemoryCluster, fn: () => Promise<void>): Promise<boolean> {
  w.onCrash(() => cluster.freeze());
  try {
    await fn();
    return false;
  } catch (e) {
    if (!w.isCrash(e)) throw e;
    return true;
  }
}

function countByKind(list: WorldResource[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of list) out[r.kind] = (out[r.kind] ?? 0) + 1;
  return out;
}

/** Every resource tagged and recorded, with exactly the expected counts. */
export function expectConverged<P>(w: World<P>, cluster: MemoryCluster, where = ''): void {
  const res = w.resources();
  expect(
    res.filter((r) => !r.owned).map((r) => `${r.kind} ${r.id}`),
    `${where} untagged resources`,
  ).toEqual([]);
  expect(countByKind(res), `${where} resource counts`).toEqual(w.expectedCounts());
  const state = cluster.state!;
  const ids = new Set([
    ...Object.values(state.resources).map((r) => r.id),
    ...Object.values(state.machines).map((m) => m.providerId),
  ]);
  const unrecorded = res.filter((r) => r.recordable && !ids.has(r.id)).map((r) => `${r.kind} ${r.id}`);
  expect(unrecorded, `${where} resources missing from state`).toEqual([]);
}

function expectEmpty<P>(w: World<P>, where = ''): void {
  expect(
    w.resources().map((r) => `${r.kind} ${r.id}`),
    `${where} resources left`,
  ).toEqual([]);
}

function contract<P>(
  kind: string,
  target: ContractTarget<P>,
  flow: Flow<P>,
  extra: (w: World<P>, p: P, ctx: StepContext, c: MemoryCluster) => Promise<void>,
) {
  const timeout = target.timeoutMs ?? 60_000;
  const stride = target.crashStride ?? 1;

  describe(`${target.name} ${kind} provider contract`, () => {
    it(
      'creates, records and tags everything; a re-run changes nothing; destroy leaves nothing',
      async () => {
        const w = target.world();
        let cluster = MemoryCluster.create(w.spec);
        const ctx = stepContext(cluster, w.spec, { log: memoryLogger() });
        await flow.create(await w.provider(), ctx);
        expectConverged(w, cluster);
        await extra(w, await w.provider(), ctx, cluster);
        const before = w.mutatingCalls();
        const writes = cluster.writes;
        cluster = cluster.reopen();
        await flow.create(await w.provider(), stepContext(cluster, w.spec));
        expect(w.mutatingCalls() - before, 're-run mutating calls').toBeLessThanOrEqual(w.rerunMutations ?? 0);
        expect(cluster.writes, 're-run state writes').toBe(0);
        expect(writes).toBeGreaterThan(0);
        expectConverged(w, cluster, 're-run:');
        cluster = cluster.reopen();
        await flow.destroy(await w.provider(), stepContext(cluster, w.spec));
        expectEmpty(w);
        expect(Object.keys(cluster.state!.resources), 'records left after destroy').toEqual([]);
        const again = w.mutatingCalls();
        await flow.destroy(await w.provider(), stepContext(cluster.reopen(), w.spec));
        expect(w.mutatingCalls() - again, 'second destroy mutating calls').toBe(0);
      },
      timeout,
    );

    it(
      'a cluster deleted and created again under the same name is created whole (idempotency tokens name the incarnation)',
      async () => {
        // The clouds remember idempotency tokens long after the resource is gone (EC2 ClientToken
        // ≥ 24 h, Compute requestId 60 min, both modelled by the fakes on their virtual clocks): the
        // second incarnation must not replay (GCP: nothing created) or be refused (EC2) on the first's.
        const w = target.world();
        const first = MemoryCluster.create(w.spec);
        await flow.create(await w.provider(), stepContext(first, w.spec));
        expectConverged(w, first, 'first incarnation:');
        await flow.destroy(await w.provider(), stepContext(first.reopen(), w.spec));
        expectEmpty(w, 'after delete:');
        const second = MemoryCluster.create(w.spec);
        expect(second.state!.uid).not.toBe(first.state!.uid);
        const ctx = stepContext(second, w.spec);
        await flow.create(await w.provider(), ctx);
        expectConverged(w, second, 'second incarnation:');
        await extra(w, await w.provider(), ctx, second);
        await flow.destroy(await w.provider(), stepContext(second.reopen(), w.spec));
        expectEmpty(w, 'second delete:');
      },
      timeout,
    );

    // Crash points are counted until a run gets through without reaching one: retries (a
    // DependencyViolation waited out, an IAM role not yet assumable) make the count vary by run.
    for (const when of ['before', 'after'] as const) {
      it(
        `a crash ${when} every mutating call of create, then a re-run, converges; destroy then leaves nothing`,
        async () => {
          let points = 0;
          for (let n = 1; ; n += stride) {
            const w = target.world();
            let cluster = MemoryCluster.create(w.spec);
            w.crashAt(n, when);
            const p = await w.provider();
            const crashed = await maybeCrash(w, cluster, () => flow.create(p, stepContext(cluster, w.spec)));
            w.clearFaults();
            cluster = cluster.reopen();
            if (crashed) {
              points += 1;
              // Odd points: converge, then destroy. Even points: destroy straight after the crash.
              if (n % 2 === 1) {
                await flow.create(await w.provider(), stepContext(cluster, w.spec));
                expectConverged(w, cluster, `crash ${when} #${n}:`);
              }
            } else {
              expectConverged(w, cluster, `no crash (#${n}):`);
            }
            await flow.destroy(await w.provider(), stepContext(cluster, w.spec));
            expectEmpty(w, `crash ${when} #${n}:`);
            if (!crashed) break;
          }
          if (process.env.KSCTL_CONTRACT_VERBOSE)
            console.log(`${target.name} ${kind} create (${when}): ${points} crash points`);
          expect(points).toBeGreaterThanOrEqual(target.minCrashPoints ?? 1);
        },
        timeout,
      );
    }

    it(
      'a crash at every mutating call of destroy, then a re-run, leaves nothing',
      async () => {
        let points = 0;
        for (let n = 1; ; n += stride) {
          const w = target.world();
          let cluster = MemoryCluster.create(w.spec);
          await flow.create(await w.provider(), stepContext(cluster, w.spec));
          w.crashAt(n, n % 2 ? 'after' : 'before');
          const p = await w.provider();
          const crashed = await maybeCrash(w, cluster, () => flow.destroy(p, stepContext(cluster, w.spec)));
          w.clearFaults();
          cluster = cluster.reopen();
          if (crashed) {
            points += 1;
            await flow.destroy(await w.provider(), stepContext(cluster, w.spec));
          }
          expectEmpty(w, `destroy crash #${n}:`);
          if (!crashed) break;
        }
        if (process.env.KSCTL_CONTRACT_VERBOSE) console.log(`${target.name} ${kind} destroy: ${points} crash points`);
        expect(points).toBeGreaterThanOrEqual(target.minDestroyCrashPoints ?? target.minCrashPoints ?? 1);
      },
      timeout,
    );

    for (const bad of target.badSpecs ?? []) {
      it(`rejects a bad spec (${bad.name}) with an InputError and no mutating call`, async () => {
        const w = target.world();
        const p = (await w.provider()) as unknown as { preflight(ctx: StepContext): Promise<void> };
        const err = await p.preflight(stepContext(MemoryCluster.create(bad.spec), bad.spec)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(InputError);
        expect(w.mutatingCalls()).toBe(0);
      });
    }

    it(
      'absorbs throttling on 20% of calls',
      async () => {
        const w = target.world();
        w.throttle(0.2);
        const cluster = MemoryCluster.create(w.spec);
        await flow.create(await w.provider(), stepContext(cluster, w.spec));
        expectConverged(w, cluster);
        await flow.destroy(await w.provider(), stepContext(cluster, w.spec));
        expectEmpty(w);
      },
      timeout,
    );
  });
}

export function selfManagedContract(target: ContractTarget<SelfManagedCloud>): void {
  contract('self-managed', target, selfManagedFlow, async (w, p, ctx, cluster) => {
    const plan = p.machinePlan(w.spec);
    const machines = cluster.state!.machines;
    expect(Object.keys(machines).sort()).toEqual(plan.map((m) => m.name).sort());
    for (const m of Object.values(machines)) {
      expect(m.publicAddress, m.name).toBeTruthy();
      expect(m.privateAddress, m.name).toBeTruthy();
      expect(m.hostKeys[0], m.name).toMatch(/^ssh-ed25519 AAAA/);
    }
    expect(await p.sshPrivateKey?.(ctx, Object.values(machines)[0]!)).toMatch(/PRIVATE KEY/);
  });
}

export function managedContract(target: ContractTarget<ManagedCloud>): void {
  contract('managed', target, managedFlow, async (_w, p, ctx) => {
    const kc = await p.kubeconfig(ctx);
    expect(kc).toMatch(/server: https:\/\//);
    expect(kc).not.toMatch(/\btoken:/);
  });
}
