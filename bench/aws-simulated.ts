/**
 * Simulated AWS create (bench/simulated/harness.ts): FakeAws with its default latencies (instance
 * start 30 s; API calls answer at once) on a scaled clock, 3 and 100 workers.
 *
 * Measured on a loaded 2-core VM, 3 / 100 workers: 1.03 / 1.04 at scale 1; up to 1.12 / 1.09 at
 * scale 2; 1.15-1.33 / 1.41-1.49 at scale 10 ($KSCTL_BENCH_SCALE). Bundled and run by bench/run.mjs
 * (`npm run bench -- aws`); the bundle is also the child process entry point.
 */
import { createAwsSelfManaged } from '../src/cloud/aws/index.js';
import type { Step } from '../src/pipeline/types.js';
import { FakeAws } from '../test/fakes/aws/fake-aws.js';
import { defaultConfig } from '../test/fakes/aws/config.js';
import { awsSpec } from '../test/fakes/aws/world.js';
import { benchThreeAndHundred, maybeRunChildCase, type SimulatedCloud } from './simulated/harness.js';

const INSTANCE_START_MS = defaultConfig().latencies.instanceStart;

function simulatedAws(scale: number): SimulatedCloud {
  const fake = new FakeAws({ clock: { scale }, config: { defaultQuota: { onDemand: 4096, spot: 4096 } } });
  return {
    provider: 'aws',
    clock: fake.clock,
    cloud: createAwsSelfManaged({ runtime: fake.runtime() }),
    spec: ({ name, workers }) =>
      awsSpec({
        name,
        controlPlane: { count: 3, size: 't3.medium' },
        etcd: { count: 3, size: 't3.small' },
        workers: { count: workers, size: 't3.large', spot: false },
        network: { cidr: '10.0.0.0/16', allowCidrs: ['198.51.100.77/32'] },
      }),
    // API calls cost no simulated time here; a machine waits for its instance to start.
    cloudCost: (s: Step) => (s.id.startsWith('machine/') ? INSTANCE_START_MS : 0),
    apiCalls: () => ({
      total: fake.calls.length,
      notable: { DescribeInstances: fake.callsOf('ec2:DescribeInstances').length },
    }),
    launches: () => fake.callsOf('ec2:RunInstances').map((c) => c.at),
  };
}

export async function benchAwsSimulated(): Promise<{ lines: string[] }> {
  return benchThreeAndHundred(
    import.meta.url,
    (scale) =>
      `AWS simulated create: HA k3s (1 LB, 3 etcd, 3 CPs) + workers, FakeAws (instance start ${INSTANCE_START_MS / 1000} s) on a ${scale}x clock, stand-in SSH with measured durations`,
  );
}

await maybeRunChildCase(simulatedAws);
