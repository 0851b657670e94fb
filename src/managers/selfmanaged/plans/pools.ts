/**
 * Steps of one pool change (pool-change.ts decides what). Growth: every new machine's chain (machine →
 * its own host preflight → join) runs in parallel with the others, so the change takes as long as its
 * slowest machine, not the sum; the infrastructure a machine needs is ensured only if create did not
 * record it done. Shrink: all the nodes given up are cordoned first, then each is drained (Eviction API,
 * budgets honoured with the run's drain flags), its Node deleted, its VM deleted (ssh provider:
 * Kubernetes uninstalled) and the machine forgotten in the write that uncounts it. Labels and taints go
 * on a pool's nodes once its new machines joined; a deleted pool leaves the spec when it is empty.
 * Every id carries the run's stamp, so nothing is skipped as done by an earlier run.
 */
import type { DrainFlags } from '../../../api/pool-change.js';
import type { ClusterState } from '../../../state/types.js';
import type { PoolChange } from '../pool-change.js';
import { cordonStep, cordonStepId } from '../steps/cordon.js';
import { hostPreflightStep } from '../steps/host-preflight.js';
import { stamped, stepId } from '../steps/ids.js';
import { machineStep } from '../steps/machine.js';
import { joinedWorkerSteps } from '../steps/onboard.js';
import { forgetPoolStep } from '../steps/pool-forget.js';
import { poolMetadataStep } from '../steps/pool-metadata.js';
import type { BootstrapStep } from '../steps/types.js';
import { specWithJoined } from '../worker-count.js';
import { missingInfra } from './add-worker.js';
import type { PlanSource } from './create.js';
import { removeMachineSteps } from './remove-worker.js';

export function poolSteps(
  { provider, distro }: PlanSource,
  state: ClusterState,
  change: PoolChange,
  flags: DrainFlags,
  stamp: number,
): BootstrapStep[] {
  const steps = new Map<string, BootstrapStep>();
  const add = (s: BootstrapStep) => void steps.set(s.id, s);
  const joinsOf = new Map<string, string[]>();

  if (change.grow.length > 0)
    for (const s of missingInfra(provider.infraSteps(change.runSpec), provider.machineNeeds('worker'), state))
      add(s as BootstrapStep);
  for (const w of change.grow) {
    const pool = w.pool!;
    const base = machineStep(w, provider);
    const machineId = stamped(base.id, stamp);
    // machineStep puts the pool back on the record a cloud's ensureMachine rewrites.
    add({ ...base, id: machineId, needs: base.needs.filter((n) => steps.has(n)), details: { ...base.details, pool } });
    const pre = hostPreflightStep([w], [machineId]);
    const preId = stamped(`${stepId.hostPreflight}/${w.name}`, stamp);
    add({ ...pre, id: preId, target: w.name });
    // Counted in its pool only once the onboarding check passed (Ready, providerID, labels, taints).
    const [join, onboard] = joinedWorkerSteps(
      w,
      [],
      distro.name,
      [],
      (s) => void (s.spec = specWithJoined(s, w.name, change.runSpec)),
    );
    const joinId = stamped(join.id, stamp);
    add({ ...join, id: joinId, needs: [machineId, preId] });
    const onboardId = stamped(onboard.id, stamp);
    add({ ...onboard, id: onboardId, needs: [joinId] });
    joinsOf.set(pool, [...(joinsOf.get(pool) ?? []), onboardId]);
  }

  const releases = new Map<string, string[]>();
  if (change.shrink.length > 0) {
    add(cordonStep(change.shrink, stamp, flags.force));
    for (const name of change.shrink) {
      const chain = removeMachineSteps({ provider }, name, stamp, flags, [cordonStepId(stamp)]);
      chain.forEach(add);
      const pool = change.deltas.find((d) => [...d.live, ...d.removing].some((m) => m.name === name))?.name;
      if (pool) releases.set(pool, [...(releases.get(pool) ?? []), chain[chain.length - 1]!.id]);
    }
  }

  for (const m of change.metadata) {
    const target = change.deltas.find((d) => d.name === m.pool)!.target!;
    add(poolMetadataStep(m, target, stamp, joinsOf.get(m.pool) ?? []));
  }
  for (const pool of change.deleted) add(forgetPoolStep(pool, stamp, releases.get(pool) ?? []));
  return [...steps.values()];
}
