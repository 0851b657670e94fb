/**
 * One pod's eviction through the Eviction API (policy/v1, the pod's `eviction` subresource), retried
 * while the API refuses it with 429 (a PodDisruptionBudget would be violated, or API priority and
 * fairness throttles) or the API is briefly unreachable, until a deadline. The 429's Status names the
 * budget in its DisruptionBudget cause ("The disruption budget web needs 3 healthy pods and has 3
 * currently", pkg/registry/core/pod/storage/eviction.go), which the drain's error repeats.
 */
import { backoffDelay, sleep } from '../../distro/ssh/backoff.js';
import type { KubeClient } from './client.js';
import { isNotFound, isTransient, KubernetesApiError } from './errors.js';
import type { DrainPod } from './drain-pods.js';

export type EvictionOutcome =
  | { kind: 'evicted'; retries: number }
  | { kind: 'gone'; retries: number }
  | { kind: 'blocked'; retries: number; reasons: string[]; budgets: string[] };

/** Delay between refused evictions: 250 ms doubling to 2 s (kubectl waits a fixed 5 s). */
export const EVICTION_BACKOFF = { initialMs: 250, maxMs: 2000 };

/** The budgets named in a 429's causes, and their messages. */
export function blockingBudgets(e: KubernetesApiError): { budgets: string[]; reasons: string[] } {
  const causes = e.apiStatus?.details?.causes ?? [];
  const reasons = causes.map((c) => c.message ?? '').filter(Boolean);
  const budgets = reasons
    .map((m) => /^The disruption budget (\S+)/.exec(m)?.[1])
    .filter((b): b is string => Boolean(b));
  if (reasons.length === 0) reasons.push(e.apiStatus?.message ?? e.message);
  return { budgets, reasons };
}

/**
 * Worth another try before the deadline: a refusal (429), an API server hiccup (5xx), no connection, or
 * a namespace being deleted (403 with cause NamespaceTerminating: the namespace's deletion removes the
 * pod, which the wait then sees go; kubectl drain retries it too).
 */
function retryable(e: KubernetesApiError): boolean {
  if (e.status === 403) return e.apiStatus?.details?.causes?.some((c) => c.type === 'NamespaceTerminating') ?? false;
  return isTransient(e);
}

export async function evictPod(
  c: KubeClient,
  pod: DrainPod,
  deadline: number,
  signal?: AbortSignal,
  onRetry?: (reason: string) => void,
): Promise<EvictionOutcome> {
  let last: { reasons: string[]; budgets: string[] };
  for (let attempt = 0; ; attempt++) {
    try {
      await c.call(`evict pod ${pod.ref}`, (core) =>
        core.createNamespacedPodEviction({
          name: pod.name,
          namespace: pod.namespace,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.name, namespace: pod.namespace } },
        }),
      );
      return { kind: 'evicted', retries: attempt };
    } catch (e) {
      if (isNotFound(e)) return { kind: 'gone', retries: attempt };
      if (!(e instanceof KubernetesApiError) || !retryable(e)) throw e;
      last = e.status === 429 ? blockingBudgets(e) : { reasons: [e.message], budgets: [] };
      onRetry?.(last.reasons[0] ?? e.message);
    }
    // The last try lands on the deadline itself, so a budget that frees up late still lets the pod go.
    const left = deadline - Date.now();
    if (left <= 0) return { kind: 'blocked', retries: attempt + 1, ...last };
    await sleep(Math.min(backoffDelay(attempt, EVICTION_BACKOFF), left), signal);
  }
}

/** Deletes the pod (after `force`); false if it was already gone. */
export async function deletePod(c: KubeClient, pod: DrainPod, gracePeriodSeconds?: number): Promise<boolean> {
  try {
    await c.call(`delete pod ${pod.ref}`, (core) =>
      core.deleteNamespacedPod({
        name: pod.name,
        namespace: pod.namespace,
        ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
      }),
    );
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
