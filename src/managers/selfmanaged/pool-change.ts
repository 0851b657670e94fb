/**
 * Day 2, pools: what one `reconcilePools` run does, decided against state before anything is written
 * (the steps are plans/pools.ts). The asked-for spec is validated first (exit 2, nothing written, no
 * cloud call). Growth: new machines get their names here and are written to state as `pending` with
 * their pool before any cloud call, so a re-run finishes *those* machines; a pool's count in the spec
 * rises as each one joins. Shrink: the machines to give up are chosen from the API's view of their
 * nodes (not-Ready first, then the newest) and marked `removing` before anything is drained.
 */
import { clusterIdOf, DEFAULT_POOL, type ClusterSpec, type MachineSpec, type NodePoolSpec } from '../../api/types.js';
import type { PoolTarget } from '../../api/pool-change.js';
import { assertValidSpec } from '../../api/validate.js';
import { nextPoolMachineName, plannedWorker } from '../../cloud/common/machine-plan.js';
import type { PlannedMachine } from '../../cloud/types.js';
import { InputError } from '../../errors.js';
import type { ClusterState, Machine } from '../../state/types.js';
import { assertApplicable } from '../apply/refuse.js';
import { poolRefusals } from '../apply/immutable.js';
import { pickForShrink, type ShrinkCandidate } from '../kubernetes/shrink-order.js';
import type { NodeMetadata } from '../kubernetes/types.js';
import { diffPools, isIdle, type PoolDelta } from './pool-diff.js';
import { intentOf } from './worker-addition.js';
import { setPoolCount, withListedPools, withPools } from '../../api/pools.js';
import { POOL_LABEL } from '../../api/validate-pools.js';

/** A pool whose nodes get new labels or taints: `previous` says what to take off. */
export interface MetadataChange {
  pool: string;
  want: NodeMetadata;
  previous: NodeMetadata;
}

export interface PoolChange {
  deltas: PoolDelta[];
  /** Machines this run ensures and joins: new ones, and half-added ones an earlier run left. */
  grow: PlannedMachine[];
  /** New machines, written to state (pending, with their pool) before the plan runs. */
  intent: Machine[];
  /** Machines this run drains and removes: chosen now (marked `removing` before the run) or left removing. */
  shrink: string[];
  /** Of `shrink`, those chosen by this run (the rest were marked by an earlier one). */
  chosen: string[];
  metadata: MetadataChange[];
  /** Pools to drop from the spec once their machines are gone. */
  deleted: string[];
  /** Written with the intent: new pools (counted as their machines join), min/max, the ssh provider's new machines. */
  intentSpec: ClusterSpec;
  /** The spec the steps run with: every pool as asked (labels and taints for the joins), counts as recorded. */
  runSpec: ClusterSpec;
  /** The spec asked for, validated. */
  targetSpec: ClusterSpec;
  pools: { name: string; from: number; to: number }[];
}

const CLOUD_GROW_HINT = 'list the machines in the cluster file and run ksctl apply -f';

/** The node view a shrink chooses from; a machine without a Node (never registered) counts as not Ready. */
export type NodeView = ReadonlyMap<string, ShrinkCandidate>;

export function resolvePoolChange(state: ClusterState, target: PoolTarget, nodes: NodeView | undefined): PoolChange {
  const spec = state.spec;
  const deltas = diffPools(state, target.pools);
  const listed = newListedMachines(state, target.machines);
  if (spec.provider === 'ssh') assertListedEnough(deltas, listed, spec.name);
  const targetSpec = assertValidSpec(targetSpecOf(spec, target));
  const refused = target.pools.flatMap((want) => {
    const had = spec.nodePools.find((p) => p.name === want.name);
    return had ? poolRefusals(had, want, targetSpec) : [];
  });
  assertApplicable({ cluster: clusterIdOf(spec), type: spec.type, changes: [], refused });

  const taken = new Set([...Object.keys(state.machines), ...spec.machines.map((m) => m.name)]);
  const runSpec = withPools(
    spec,
    target.pools.map((p) => ({ ...p, count: recordedCount(spec, p) })),
  );
  // Deleted pools stay in the spec (with their machines) until they are empty.
  for (const d of deltas) if (!d.target && d.recorded) runSpec.nodePools.push(structuredClone(d.recorded));
  const intentSpec = structuredClone(spec);

  const out: PoolChange = {
    deltas,
    grow: [],
    intent: [],
    shrink: [],
    chosen: [],
    metadata: [],
    deleted: [],
    intentSpec,
    runSpec,
    targetSpec,
    pools: [],
  };
  for (const d of deltas) {
    if (isIdle(d)) continue;
    out.pools.push({ name: d.name, from: d.from, to: d.to });
    out.shrink.push(...d.removing.map((m) => m.name));
    if (!d.target) out.deleted.push(d.name);
    if (d.target && !d.recorded) intentSpec.nodePools.push({ ...structuredClone(d.target), count: 0 });
    if (d.target && d.recorded && d.bounds) {
      const p = intentSpec.nodePools.find((x) => x.name === d.name)!;
      delete p.min;
      delete p.max;
      Object.assign(
        p,
        d.target.min !== undefined ? { min: d.target.min } : {},
        d.target.max !== undefined ? { max: d.target.max } : {},
      );
    }
    if (d.metadata) out.metadata.push(metadataChange(d.name, d.recorded!, d.target!));

    const half = d.live.filter((m) => m.status !== 'bootstrapped');
    // Machines already as asked (an earlier run that stopped before its last write): the count says so now.
    if (d.target && d.recorded && d.from === d.to && half.length === 0) setPoolCount(intentSpec, d.name, d.to);
    if (d.from > d.to) {
      const chosen = pickForShrink(
        d.live.map((m) => nodes?.get(m.name) ?? notRegistered(m.name)),
        d.from - d.to,
      );
      out.chosen.push(...chosen.map((c) => c.name));
      out.shrink.push(...chosen.map((c) => c.name));
    }
    const gone = new Set(out.chosen);
    // Half-added machines that stay are finished under their own names.
    for (const m of half) if (!gone.has(m.name)) out.grow.push(plannedWorker(runSpec, m.name, d.name));
    for (let i = d.from; i < d.to; i++) {
      const machine = d.target && spec.provider === 'ssh' ? takeListed(listed, d.name) : undefined;
      const name = machine?.name ?? nextPoolMachineName(spec.name, d.name, taken);
      taken.add(name);
      if (machine) {
        runSpec.machines.push(machine);
        intentSpec.machines.push(machine);
      }
      const planned = plannedWorker(runSpec, name, d.name);
      out.grow.push(planned);
      out.intent.push(intentOf(planned, machine));
    }
  }
  return out;
}

/**
 * The recorded spec with the pools asked for; validated by the caller. The ssh provider's spec lists
 * its workers too: the ones it keeps, then the new ones the file lists, each pool as many as it counts.
 */
function targetSpecOf(spec: ClusterSpec, target: PoolTarget): ClusterSpec {
  return spec.provider === 'ssh' ? withListedPools(spec, target.pools, target.machines) : withPools(spec, target.pools);
}

/** Growing an ssh pool needs listed machines for it (`scale nodepool` lists none): exit 2 before anything else. */
function assertListedEnough(deltas: PoolDelta[], listed: Map<string, MachineSpec[]>, cluster: string): void {
  for (const d of deltas) {
    const short = d.to - d.from - (listed.get(d.name)?.length ?? 0);
    if (d.target && short > 0)
      throw new InputError(
        `node pool ${d.name} of ${cluster} needs ${short} more machine${short === 1 ? '' : 's'}: the ssh provider ` +
          `grows a pool only onto machines spec.machines lists with pool: ${d.name}`,
        [`spec.nodePools[${d.name}].count`, 'spec.machines'],
        { hint: CLOUD_GROW_HINT },
      );
  }
}

const recordedCount = (spec: ClusterSpec, p: NodePoolSpec) => spec.nodePools.find((x) => x.name === p.name)?.count ?? 0;

const notRegistered = (name: string): ShrinkCandidate => ({ name, ready: false, readySince: '', createdAt: '' });

/** The ssh provider's listed workers that state does not know yet, by pool. */
function newListedMachines(state: ClusterState, machines: MachineSpec[] | undefined): Map<string, MachineSpec[]> {
  const out = new Map<string, MachineSpec[]>();
  for (const m of machines ?? []) {
    if (m.role !== 'worker' || state.machines[m.name]) continue;
    const pool = m.pool ?? DEFAULT_POOL;
    out.set(pool, [...(out.get(pool) ?? []), m]);
  }
  return out;
}

/** The next listed machine of `pool` (assertListedEnough made sure there is one). */
function takeListed(listed: Map<string, MachineSpec[]>, pool: string): MachineSpec {
  return listed.get(pool)!.shift()!;
}

/** A pool's labels and taints as its nodes carry them (ksctl's pool label included). */
export function nodeMetadataOf(p: NodePoolSpec): NodeMetadata {
  return {
    labels: { ...p.labels, [POOL_LABEL]: p.name },
    taints: p.taints.map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })),
  };
}

function metadataChange(pool: string, recorded: NodePoolSpec, target: NodePoolSpec): MetadataChange {
  return { pool, want: nodeMetadataOf(target), previous: nodeMetadataOf(recorded) };
}
