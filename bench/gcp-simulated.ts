/**
 * Simulated GCP create (bench/simulated/harness.ts): FakeGcp with its default latencies (global
 * operation 8 s, regional 10 s, instance insert 12 s, RUNNING 30 s after the insert; calls answer at
 * once) on a scaled clock, 3 and 100 workers. Bundled and run by bench/run.mjs
 * (`npm run bench -- gcp`); the bundle is also the child process entry point.
 *
 * Measured on a loaded 2-core VM at scale 1, 3 / 100 workers: 1.02 / 1.02-1.03, peak RSS ≈170 MB,
 * 149 / 555 API calls. Before the firewall rules were inserted all at once and instances were
 * watched together (src/cloud/gcp/instance-watch.ts): 1.28 / 1.27 and 1018 calls at 100 workers.
 */
import { createGcpSelfManaged } from '../src/cloud/gcp/index.js';
import type { Step } from '../src/pipeline/types.js';
import { FakeGcp } from '../test/fakes/gcp/fake-gcp.js';
import { defaultConfig } from '../test/fakes/gcp/model.js';
import { gcpSpec } from '../test/fakes/gcp/world.js';
import { benchThreeAndHundred, maybeRunChildCase, type SimulatedCloud } from './simulated/harness.js';

const L = defaultConfig().latencies;
const REGION = 'us-central1';

/**
 * The cloud's share of each step: what it must wait for, whatever ksctl does.
 * - infra/network: the network's global operation, then the subnetwork's regional one (a subnetwork
 *   needs its network);
 * - infra/firewall: one global operation: the rules do not depend on each other, so they can all be
 *   inserted at once;
 * - machine/*: from the insert to RUNNING (the insert operation's 12 s lie within the 30 s).
 */
export function gcpCloudCost(s: Step): number {
  if (s.id === 'infra/network') return L.globalOp + L.regionOp;
  if (s.id === 'infra/firewall') return L.globalOp;
  if (s.id.startsWith('machine/')) return Math.max(L.instanceOp, L.instanceBoot);
  return 0;
}

function simulatedGcp(scale: number): SimulatedCloud {
  const base = defaultConfig();
  // 100 e2-standard-2 workers + the HA machines need ≈214 vCPUs: above the default quota of 200.
  const regions = { ...base.regions, [REGION]: { ...base.regions[REGION]!, cpuLimit: 2048 } };
  const fake = new FakeGcp({ clock: { scale }, config: { regions } });
  const count = (op: string) => fake.callsOf(op).length;
  return {
    provider: 'gcp',
    clock: fake.clock,
    cloud: createGcpSelfManaged({ runtime: fake.runtime() }),
    spec: ({ name, workers }) =>
      gcpSpec({
        name,
        region: REGION,
        controlPlane: { count: 3, size: 'e2-medium' },
        etcd: { count: 3, size: 'e2-small' },
        workers: { count: workers, size: 'e2-standard-2', spot: false },
        network: { cidr: '10.0.0.0/16', allowCidrs: ['198.51.100.77/32'] },
      }),
    cloudCost: gcpCloudCost,
    apiCalls: () => ({
      total: fake.calls.length,
      notable: {
        'instances.get': count('instances:get'),
        'instances.list': count('instances:list'),
        'zoneOperations.wait': count('zoneOperations:wait'),
      },
    }),
    launches: () => fake.callsOf('instances:insert').map((c) => c.at),
  };
}

export async function benchGcpSimulated(): Promise<{ lines: string[] }> {
  return benchThreeAndHundred(
    import.meta.url,
    (scale) =>
      `GCP simulated create: HA k3s (1 LB, 3 etcd, 3 CPs) + workers, FakeGcp (ops 8/10/12 s, RUNNING ${L.instanceBoot / 1000} s after insert) on a ${scale}x clock, stand-in SSH with measured durations`,
  );
}

await maybeRunChildCase(simulatedGcp);
