/**
 * Waiting for many EC2 instances at once (common/batch-watch.ts): one DescribeInstances per tick
 * naming every instance being waited on (≈25 calls/s at 100 machines otherwise, above EC2's refill
 * rate for describe calls).
 */
import { BatchWatcher, type PollResult } from '../common/batch-watch.js';
import type { Clock } from '../common/clock.js';
import { isNotFound } from './errors.js';
import type { Ec2Api, Instance } from './sdk.js';

/** Ids per DescribeInstances call (EC2 accepts up to 1000). */
const BATCH = 200;

/** The instances among `ids` that EC2 already knows (a just-launched one may not be visible yet). */
async function describe(ec2: Pick<Ec2Api, 'describeInstances'>, ids: string[]): Promise<Instance[]> {
  try {
    const out: Instance[] = [];
    let NextToken: string | undefined;
    do {
      const page = await ec2.describeInstances({ InstanceIds: ids, ...(NextToken ? { NextToken } : {}) });
      for (const r of page.Reservations ?? []) out.push(...(r.Instances ?? []));
      NextToken = page.NextToken || undefined;
    } while (NextToken);
    return out;
  } catch (e) {
    if (!isNotFound(e)) throw e;
    if (ids.length === 1) return [];
    // One unknown id fails the whole call. EC2 names the unknown ones ("The instance IDs 'i-1, i-2'
    // do not exist"): ask again without them; if it does not, ask one by one.
    const text = `${(e as Error).message} ${((e as { cause?: unknown }).cause as Error | undefined)?.message ?? ''}`;
    const rest = ids.filter((id) => !text.includes(id));
    if (rest.length < ids.length) return rest.length > 0 ? describe(ec2, rest) : [];
    return (await Promise.all(ids.map((id) => describe(ec2, [id])))).flat();
  }
}

/** One tick: every waited id, in batches; a failed batch fails the waits on its ids. */
async function poll(ec2: Pick<Ec2Api, 'describeInstances'>, ids: string[]): Promise<PollResult<Instance>> {
  const out: PollResult<Instance> = { found: new Map(), errors: new Map() };
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH);
    try {
      for (const inst of await describe(ec2, batch)) if (inst.InstanceId) out.found.set(inst.InstanceId, inst);
    } catch (e) {
      for (const id of batch) out.errors.set(id, e);
    }
  }
  return out;
}

export type InstanceWatcher = BatchWatcher<Instance>;

const watchers = new WeakMap<object, InstanceWatcher>();

/**
 * The watcher shared by every wait on this EC2 client (one batched poll per region and account); keyed
 * by instance id.
 */
export function instanceWatcher(ec2: Pick<Ec2Api, 'describeInstances'>, clock: Clock): InstanceWatcher {
  let w = watchers.get(ec2);
  if (!w) {
    w = new BatchWatcher<Instance>(clock, (ids) => poll(ec2, ids));
    watchers.set(ec2, w);
  }
  return w;
}
