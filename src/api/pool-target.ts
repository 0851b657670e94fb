/**
 * The target pools of `scale nodepool`, `create nodepool` and `delete nodepool`: the cluster's
 * recorded pools with one changed, checked by the same rules as a cluster file (validateSpec) before
 * anything is called. A problem names the flag that caused it (`--count`, `--taint`, ...) and the
 * field it sets; nothing is written, no cloud is called.
 */
import { InputError } from '../errors.js';
import { DEFAULT_SIZES } from './catalog.js';
import { wholeNumber } from './drain-input.js';
import type { PoolTarget } from './pool-change.js';
import { newPoolOf, type NewPoolInput } from './pool-flags.js';
import { findPool, isPlainDefaultPool, withListedPools, withPools } from './pools.js';
import { quote } from './quote.js';
import { validateSpec, type Issue } from './validate.js';
import type { ClusterSpec, NodePoolSpec } from './types.js';

/** The flag that sets each field of the pool a command changes. */
const POOL_FLAGS: Record<string, string> = {
  name: '--name',
  count: '--count',
  min: '--min',
  max: '--max',
  size: '--size',
  spot: '--spot',
  labels: '--label',
  taints: '--taint',
  zones: '--zones',
};

const SSH_POOLS =
  "the ssh provider's pools are the machines the cluster file lists: add them to spec.machines and run ksctl apply -f (or ksctl add worker)";

/** `pool` of `spec` at `count` nodes. */
export function scaledPools(spec: ClusterSpec, pool: string, countText: string | undefined): PoolTarget {
  const had = findPool(spec, pool);
  const count = wholeNumber(countText, '--count');
  if (count === undefined)
    throw new InputError('--count is required: the number of nodes the pool is to have', ['--count']);
  if (spec.provider === 'ssh' && count > had.count)
    throw new InputError(`--count ${count} is above the ${had.count} machine(s) of pool ${quote(pool)}`, ['--count'], {
      hint: SSH_POOLS,
    });
  const pools = spec.nodePools.map((p) => (p.name === pool ? { ...p, count } : p));
  return checked(spec, pools, pool, `cannot scale node pool ${quote(pool)} of cluster ${spec.name}`);
}

/** `spec`'s pools and the new one the flags describe. */
export function addedPools(spec: ClusterSpec, input: NewPoolInput): PoolTarget {
  const size = input.size ?? (DEFAULT_SIZES[spec.provider] ?? DEFAULT_SIZES.local).worker;
  const pool = newPoolOf(input, size);
  if (spec.nodePools.some((p) => p.name === pool.name))
    throw new InputError(`cluster ${spec.name} already has a node pool ${quote(pool.name)}`, ['--name'], {
      hint: `choose another name, or change that pool with ksctl scale nodepool ${spec.name} ${pool.name} --count N`,
    });
  if (spec.provider === 'ssh' && pool.count > 0)
    throw new InputError(`--count ${pool.count}: a new pool of the ssh provider has no machines yet`, ['--count'], {
      hint: SSH_POOLS,
    });
  return checked(
    spec,
    [...spec.nodePools, pool],
    pool.name,
    `cannot create node pool ${quote(pool.name)} in cluster ${spec.name}`,
  );
}

/** `spec`'s pools without `pool`. */
export function removedPools(spec: ClusterSpec, pool: string): PoolTarget {
  findPool(spec, pool);
  const pools = spec.nodePools.filter((p) => p.name !== pool);
  return checked(spec, pools, pool, `cannot delete node pool ${quote(pool)} of cluster ${spec.name}`);
}

/**
 * The spec a cluster file with these pools would resolve to, for validation. Self-managed: spec.workers
 * is the default pool (withPools), and on the ssh provider each pool keeps as many of the workers listed
 * with it as its count says (which ones leave is the manager's choice; any of them validates alike).
 * Managed: a cluster whose only pool is the default one made from `spec.workers` keeps the two in step.
 */
function candidate(spec: ClusterSpec, pools: NodePoolSpec[]): ClusterSpec {
  if (spec.type === 'selfmanaged')
    return spec.provider === 'ssh' ? withListedPools(spec, pools) : withPools(spec, pools);
  const out: ClusterSpec = { ...structuredClone(spec), nodePools: pools };
  if (spec.nodePools.length === 1 && isPlainDefaultPool(spec.nodePools[0]!, spec.workers)) {
    const name = spec.nodePools[0]!.name;
    out.workers.count = pools.find((p) => p.name === name)?.count ?? 0;
  }
  return out;
}

/**
 * Exit 2 when the target breaks a rule the recorded spec kept. Problems the recorded spec already has
 * (a rule added since the cluster was made) are not this command's doing and do not block it.
 */
function checked(spec: ClusterSpec, pools: NodePoolSpec[], pool: string, what: string): PoolTarget {
  const target = candidate(spec, pools);
  const known = new Set(validateSpec(spec).map((i) => `${i.path}\0${i.message}`));
  const issues = validateSpec(target).filter((i) => !known.has(`${i.path}\0${i.message}`));
  if (issues.length === 0) return { pools };
  const index = pools.findIndex((p) => p.name === pool);
  const flagOf = (i: Issue): string | undefined => {
    const m = /^spec\.nodePools\[(\d+)\]\.([a-z]+)/i.exec(i.path);
    if (m && Number(m[1]) === index) return POOL_FLAGS[m[2]!];
    return i.path === 'spec.workers.count' ? '--count' : undefined;
  };
  const lines = issues.slice(0, 20).map((i) => {
    const flag = flagOf(i);
    return `  ${flag ? `${flag} (${i.path})` : i.path}: ${i.message}`;
  });
  throw new InputError(
    `${what}:\n${lines.join('\n')}`,
    issues.map((i) => flagOf(i) ?? i.path),
    {
      hint: 'nothing was changed',
    },
  );
}
