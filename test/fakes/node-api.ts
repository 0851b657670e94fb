/**
 * A fake of the cluster API a self-managed run's onboarding check uses (BootstrapContext.nodeApi), for
 * tests of plans and scripts run over a recording SSH pool, where no API server exists. It records what
 * each check asked for and answers with a Node that has exactly that (Ready, the providerID, the labels
 * and taints), so a test can assert what would be checked. The check itself (onboardingGaps, the
 * polling) runs against a real kube-apiserver in test/kubernetes/ and in the ssh e2e files.
 */
import type { NodeApi } from '../../src/managers/selfmanaged/context.js';
import type { OnboardingWant } from '../../src/managers/kubernetes.js';

export interface RecordingNodeApi {
  /** Node name → what its check asked, in the order asked. */
  asked: Map<string, OnboardingWant>;
  /** How many connections were opened and not closed (a step must close what it opens). */
  open(): number;
  factory: () => Promise<NodeApi>;
}

export function recordingNodeApi(): RecordingNodeApi {
  const asked = new Map<string, OnboardingWant>();
  let open = 0;
  return {
    asked,
    open: () => open,
    async factory() {
      open++;
      return {
        async waitOnboarded(node, want) {
          asked.set(node, want);
          const now = new Date().toISOString();
          return {
            name: node,
            ready: true,
            readySince: now,
            labels: { ...want.labels },
            taints: [...(want.taints ?? [])],
            ...(want.providerID ? { providerID: want.providerID } : {}),
            unschedulable: false,
            createdAt: now,
          };
        },
        async close() {
          open--;
        },
      };
    },
  };
}
