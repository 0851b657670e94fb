/**
 * Simulated Azure create (bench/simulated/harness.ts): FakeAzure on a scaled clock (operations finish
 * when that clock passes their deadline; requests take no fake time), 3 and 100 workers.
 *
 * Operation latencies (BENCH_LATENCIES) are typical ARM figures, not measured here (no Azure API is
 * reachable): a VM 30 s to Succeeded (the AWS bench's instance start, so the two compare), a VNet
 * 4 s, an NSG 3 s, an ASG or a Standard public IP 2 s, a NIC 1 s; a resource group PUT is
 * synchronous. Polling is production's, in fake time: the SDK pollers' 2 s (core-lro's default when
 * ARM sends no Retry-After, as this fake never does; ksctl leaves it unset), and the provisioning
 * watcher's 0.5 s tick (src/cloud/azure/runtime.ts WATCH_INTERVAL_MS) for everything a create waits
 * on. The watcher's ticks do not line up with operations, so each wait is seen done up to a tick
 * late: polling's real cost, which shows in the ratio, as the bound (cloudCost) counts only the
 * operations' own latencies.
 *
 * Measured on a loaded 2-core VM at scale 1, 3 / 100 workers: 1.03-1.04 / 1.05, peak RSS ≈125 / 160 MB,
 * ≈200 / 980 API calls. Before the watcher (one SDK poller per resource, every 2 s): 1.07 / 1.07 with
 * 3381 calls at 100 workers, 2386 of them operation polls (≈54 reads/s while the VMs start, twice
 * ARM's subscription read refill of 25/s). Bundled and run by bench/run.mjs (`npm run bench --
 * azure`); the bundle is also the child process entry point. $KSCTL_BENCH_SCALE changes the scale.
 */
import { createAzureSelfManaged } from '../src/cloud/azure/index.js';
import { WATCH_INTERVAL_MS } from '../src/cloud/azure/runtime.js';
import type { Step } from '../src/pipeline/types.js';
import { defaultConfig } from '../test/fakes/azure/catalog.js';
import { FakeAzure } from '../test/fakes/azure/fake-azure.js';
import { azureSpec } from '../test/fakes/azure/world.js';
import { benchThreeAndHundred, maybeRunChildCase, type SimulatedCloud } from './simulated/harness.js';

export const BENCH_LATENCIES: Record<string, number> = {
  'PUT virtualNetworks': 4000,
  'PUT applicationSecurityGroups': 2000,
  'PUT networkSecurityGroups': 3000,
  'PUT publicIPAddresses': 2000,
  'PUT networkInterfaces': 1000,
  'PUT virtualMachines': 30_000,
  PUT: 2000,
  DELETE: 2000,
};
const lat = (kind: string) => BENCH_LATENCIES[`PUT ${kind}`]!;

/**
 * The Azure operations each step waits for, in the provider's order (src/cloud/azure/selfmanaged.ts):
 * infra/group is one synchronous PUT; infra/network one VNet LRO; infra/firewall the ASGs (in
 * parallel), then the NSGs that reference them (in parallel); infra/sshkey is local; a machine its
 * public IP, then the NIC that references it, then the VM that references the NIC.
 */
export function azureCloudCost(s: Step): number {
  if (s.id === 'infra/network') return lat('virtualNetworks');
  if (s.id === 'infra/firewall') return lat('applicationSecurityGroups') + lat('networkSecurityGroups');
  if (s.id.startsWith('machine/')) return lat('publicIPAddresses') + lat('networkInterfaces') + lat('virtualMachines');
  return 0;
}

/** Most calls within any 1 s of fake time (ARM refills a subscription's read bucket at 25/s). */
function busiestSecond(at: number[]): number {
  const t = [...at].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

function simulatedAzure(scale: number): SimulatedCloud {
  const quotas = { ...defaultConfig().quotas, cores: 4096, standardBSFamily: 4096 };
  const fake = new FakeAzure({ clock: { scale }, config: { latencies: BENCH_LATENCIES, quotas } });
  return {
    provider: 'azure',
    clock: fake.clock!,
    cloud: createAzureSelfManaged({ runtime: fake.runtime() }),
    spec: ({ name, workers }) =>
      azureSpec({
        name,
        controlPlane: { count: 3, size: 'Standard_B2s' },
        etcd: { count: 3, size: 'Standard_B1ms' },
        workers: { count: workers, size: 'Standard_B2ms', spot: false },
        network: { cidr: '10.0.0.0/16', allowCidrs: ['198.51.100.77/32'] },
      }),
    cloudCost: azureCloudCost,
    apiCalls: () => ({
      total: fake.calls.length,
      notable: {
        'operation polls': fake.callsOf('GET operations').length,
        'watcher lists': fake.calls.filter(
          (c) => c.method === 'GET' && c.path.endsWith(`/${c.op.split(' ')[1]}`) && c.path.includes('/resourceGroups/'),
        ).length,
        'reads in the busiest second': busiestSecond(fake.calls.filter((c) => !c.mutating).map((c) => c.at)),
      },
    }),
    launches: () => fake.callsOf('PUT virtualMachines').map((c) => c.at),
  };
}

export async function benchAzureSimulated(): Promise<{ lines: string[] }> {
  return benchThreeAndHundred(
    import.meta.url,
    (scale) =>
      `Azure simulated create: HA k3s (1 LB, 3 etcd, 3 CPs) + workers, FakeAzure (VM ${lat('virtualMachines') / 1000} s, IP ${lat('publicIPAddresses') / 1000} s, NIC ${lat('networkInterfaces') / 1000} s; watcher tick ${WATCH_INTERVAL_MS / 1000} s) on a ${scale}x clock, stand-in SSH with measured durations`,
  );
}

await maybeRunChildCase(simulatedAzure);
