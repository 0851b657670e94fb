/**
 * Draining a node through the Eviction API: cordon, pick the pods (drain-pods.ts), evict them all at
 * once, each retried while a PodDisruptionBudget refuses (evict.ts), until `timeoutMs`; then either a
 * DrainBlockedError naming the pods and budgets that block, or with `force` delete those pods. Finally
 * wait until every evicted or deleted pod is gone from the node (a pod with the same name but another
 * UID is a StatefulSet's replacement, so it counts as gone). Idempotent: a re-run after any failure
 * cordons again (a no-op) and evicts what is still there.
 *
 * Several nodes (a pool shrinking): all are cordoned first, so a pod evicted from one never lands on
 * another that is about to go, then drained a few at a time; the budgets keep the pace.
 */
import { formatDuration, sleep } from '../../distro/ssh/backoff.js';
import { ProviderError } from '../../errors.js';
import type { KubeClient } from './client.js';
import { describeRefusals, planPods, type DrainPod, type RawPod } from './drain-pods.js';
import { isTransient } from './errors.js';
import { deletePod, evictPod } from './evict.js';
import { setUnschedulable } from './nodes.js';
import type { DrainOptions, DrainResult } from './types.js';

/** Pods that stop a drain: refused by rule, held by a budget past the timeout, or never gone. */
export class DrainBlockedError extends ProviderError {
  readonly node: string;
  readonly pods: string[];
  readonly budgets: string[];
  constructor(message: string, node: string, pods: string[], budgets: string[], hint: string) {
    super(message, { hint });
    this.node = node;
    this.pods = pods;
    this.budgets = budgets;
  }
}

const POLL_MS = 250;
/** How long beyond its grace period an evicted or deleted pod may take to go. */
const GONE_SLACK_MS = 30_000;

async function podsOn(c: KubeClient, node: string): Promise<RawPod[]> {
  const list = await c.call(`list pods on node ${node}`, (core) =>
    core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }),
  );
  return list.items;
}

/** Waits until none of `pods` (by UID) is on the node; returns those still there at `deadline`. */
async function waitGone(
  c: KubeClient,
  node: string,
  pods: DrainPod[],
  deadline: number,
  signal?: AbortSignal,
): Promise<DrainPod[]> {
  if (pods.length === 0) return pods;
  let left = pods;
  for (;;) {
    let listed: RawPod[];
    try {
      listed = await podsOn(c, node);
    } catch (e) {
      // An API server hiccup: looked at again at the next poll; still failing at the deadline, it is the error.
      if (!isTransient(e) || Date.now() >= deadline) throw e;
      await sleep(POLL_MS, signal);
      continue;
    }
    const uids = new Set(listed.map((p) => p.metadata?.uid));
    left = left.filter((p) => uids.has(p.uid));
    if (left.length === 0 || Date.now() >= deadline) return left;
    await sleep(POLL_MS, signal);
  }
}

export async function drainNode(c: KubeClient, node: string, opts: DrainOptions): Promise<DrainResult> {
  const deadline = Date.now() + opts.timeoutMs;
  const say = opts.onProgress ?? (() => {});
  await setUnschedulable(c, node, true);
  const plan = planPods(await podsOn(c, node), opts);
  if (plan.refused.length) {
    const { message, hint } = describeRefusals(node, plan.refused);
    throw new DrainBlockedError(
      message,
      node,
      plan.refused.map((r) => r.pod.ref),
      [],
      hint,
    );
  }
  const result: DrainResult = { node, evicted: [], deleted: [], skipped: plan.skipped, retries: 0 };
  const outcomes = await Promise.all(
    plan.evict.map(async (pod) => {
      let told = false;
      const out = await evictPod(c, pod, deadline, opts.signal, (reason) => {
        if (!told) say(`${node}: eviction of ${pod.ref} refused, retrying: ${reason}`);
        told = true;
      });
      result.retries += out.retries;
      if (out.kind === 'evicted') say(`${node}: evicted ${pod.ref}`);
      return { pod, out };
    }),
  );
  const blocked = outcomes.filter((o) => o.out.kind === 'blocked');
  const evicted = outcomes.filter((o) => o.out.kind === 'evicted').map((o) => o.pod);
  result.evicted = evicted.map((p) => p.ref);

  if (blocked.length && !opts.force) {
    const budgets = [...new Set(blocked.flatMap((b) => (b.out.kind === 'blocked' ? b.out.budgets : [])))];
    const why = [...new Set(blocked.flatMap((b) => (b.out.kind === 'blocked' ? b.out.reasons : [])))];
    const pods = blocked.map((b) => b.pod.ref);
    throw new DrainBlockedError(
      `cannot drain node ${node} within ${formatDuration(opts.timeoutMs)}: evicting ${pods.join(', ')} would violate ` +
        `${budgets.length ? `PodDisruptionBudget ${budgets.join(', ')}` : 'a disruption budget'} (${why.join('; ')}); ` +
        `${evicted.length} other pod(s) were evicted and the node stays cordoned`,
      node,
      pods,
      budgets,
      'wait for the budget to allow it (more replicas, or fewer unavailable), raise --drain-timeout, or pass --force to delete the pods anyway',
    );
  }
  const forced = blocked.map((b) => b.pod);
  for (const pod of forced) {
    if (await deletePod(c, pod))
      say(`${node}: deleted ${pod.ref} (--force; its disruption budget did not allow an eviction)`);
    result.deleted.push(pod.ref);
  }

  // Each pod may take its grace period to stop (plus slack for the kubelet to report it), counted from
  // now if that ends after the deadline: a pod evicted in the last second still gets its due.
  for (const pod of plan.terminating) say(`${node}: ${pod.ref} is already terminating`);
  const going = [...evicted, ...forced, ...plan.terminating];
  const maxGraceMs = Math.max(0, ...going.map((p) => p.gracePeriodSeconds)) * 1000;
  const goneBy = going.length ? Math.max(deadline, Date.now() + maxGraceMs + GONE_SLACK_MS) : deadline;
  let left = await waitGone(c, node, going, goneBy, opts.signal);
  if (left.length && opts.force) {
    // Stuck terminating past every bound (a finalizer, an unreachable kubelet): remove them without grace.
    for (const pod of left) await deletePod(c, pod, 0);
    left = await waitGone(c, node, left, Date.now() + GONE_SLACK_MS, opts.signal);
  }
  if (left.length) {
    const pods = left.map((p) => p.ref);
    throw new DrainBlockedError(
      `cannot drain node ${node}: ${pods.join(', ')} were evicted but still terminating after ${formatDuration(opts.timeoutMs)} and their grace periods`,
      node,
      pods,
      [],
      'look for finalizers or a kubelet that stopped answering (kubectl describe pod), or pass --force',
    );
  }
  return result;
}

/**
 * Drains several nodes: cordons them all first, then drains `concurrency` at a time (default 4), each
 * within `timeoutMs` of its own start. Every
 * node is attempted; if any fails, the first failure is thrown after the others finished (those drained
 * stay drained, and a re-run picks up the rest).
 */
export async function drainNodes(
  c: KubeClient,
  nodes: string[],
  opts: DrainOptions & { concurrency?: number },
): Promise<DrainResult[]> {
  for (const n of nodes) await setUnschedulable(c, n, true);
  const results: DrainResult[] = [];
  const failures: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < nodes.length) {
      const node = nodes[next++]!;
      try {
        // `timeoutMs` is per node, from the moment its drain starts (as `--drain-timeout` documents).
        results.push(await drainNode(c, node, opts));
      } catch (e) {
        failures.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, nodes.length) }, worker));
  if (failures.length) throw failures[0];
  return results;
}
