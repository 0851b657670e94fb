/**
 * The onboarding check: a node counts as added only once it is Ready, has its providerID (the machine
 * it maps to) and carries the labels and taints its pool asks for. `onboardingGaps` is the pure verdict;
 * `waitOnboarded` polls the API until there is none, or fails at its deadline saying what is missing.
 */
import { formatDuration, sleep } from '../../distro/ssh/backoff.js';
import { ProviderError } from '../../errors.js';
import type { KubeClient } from './client.js';
import { isAuthRefusal, isTransient } from './errors.js';
import { missingMetadata } from './node-view.js';
import { readNode } from './nodes.js';
import type { NodeInfo, OnboardingWant } from './types.js';

export class OnboardingError extends ProviderError {
  readonly node: string;
  readonly gaps: string[];
  constructor(node: string, gaps: string[], waitedMs: number) {
    super(`node ${node} did not pass the onboarding check within ${formatDuration(waitedMs)}: ${gaps.join('; ')}`, {
      hint: `see \`kubectl describe node ${node}\` and the machine's kubelet log; re-running the command checks it again`,
    });
    this.node = node;
    this.gaps = gaps;
  }
}

/** What keeps `node` from counting as added (empty: it passes). */
export function onboardingGaps(node: NodeInfo | undefined, want: OnboardingWant): string[] {
  if (!node) return ['it has not registered with the API server'];
  const gaps: string[] = [];
  if (!node.ready) gaps.push('not Ready');
  if (!node.providerID) gaps.push('spec.providerID is not set');
  else if (want.providerID && node.providerID !== want.providerID)
    gaps.push(`spec.providerID is ${node.providerID}, not ${want.providerID}`);
  gaps.push(...missingMetadata(node, want));
  return gaps;
}

const POLL_MS = 500;
/** How long 401/403 in a row count as an API server still syncing its caches, not a refusal. */
const AUTH_SETTLE_MS = 60_000;

/** Waits until `name` passes the onboarding check; returns the node as it passed. */
export async function waitOnboarded(
  c: KubeClient,
  name: string,
  want: OnboardingWant,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<NodeInfo> {
  const start = Date.now();
  let refusedSince: number | undefined;
  for (;;) {
    let gaps: string[];
    try {
      const node = await readNode(c, name);
      refusedSince = undefined;
      gaps = onboardingGaps(node, want);
      if (gaps.length === 0) return node!;
    } catch (e) {
      // While other control planes join, the load balancer may pick an API server that is still
      // starting: no answer, 5xx, or 401/403 until its caches synced. Asked again, like any gap.
      // A refusal counts from the first one since the last answer, whatever failed in between (a round
      // robin may alternate a refusing API server with one that is down).
      const refused = isAuthRefusal(e);
      if (refused) refusedSince ??= Date.now();
      const settling = refused && Date.now() - refusedSince! < AUTH_SETTLE_MS;
      if (!isTransient(e) && !settling) throw e;
      gaps = [`the API server ${refused ? 'refused' : 'did not answer'}: ${(e as Error).message}`];
    }
    if (Date.now() - start + POLL_MS > timeoutMs) throw new OnboardingError(name, gaps, timeoutMs);
    await sleep(POLL_MS, signal);
  }
}
