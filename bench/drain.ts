/**
 * Draining a 50-node pool through ksctl's Kubernetes API client (src/managers/kubernetes/) on the real
 * control plane with kwok (test/helpers/control-plane.ts): 50 pods of a Deployment, one per node, under a
 * PodDisruptionBudget with maxUnavailable 1, and a DaemonSet pod on every node; the pool is drained whole
 * and its pods move to 5 nodes that stay (test/helpers/pool-drain.ts, which also watches that the budget
 * held). Baselines, measured in the same run on fresh pools of the same shape:
 * - the same drain one node at a time (concurrency 1): what a loop of single-node drains costs; the ratio
 *   says what draining a few nodes at once buys while the budget still lets one pod go at a time;
 * - cordoning 50 nodes and nothing else: the floor of API round trips, no pod moved.
 * Bundled and run by bench/run.mjs; needs the binaries install-test-deps.sh builds.
 */
import { readFileSync } from 'node:fs';
import { ClusterApi } from '../src/managers/kubernetes/cluster-api.js';
import { startControlPlane } from '../test/helpers/control-plane.js';
import { missingControlPlaneBinaries } from '../test/helpers/kube-binaries.js';
import { createPool } from '../test/helpers/kwok-workloads.js';
import { runPoolDrain, setUpPoolDrain, type PoolDrainRun, type PoolDrainSetup } from '../test/helpers/pool-drain.js';

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const row = (label: string, value: string, note = '') =>
  `${label.padEnd(58)} ${value.padStart(10)}${note ? `   ${note}` : ''}`;

export async function benchDrain(): Promise<{ lines: string[] }> {
  const missing = missingControlPlaneBinaries();
  if (missing.length) return { lines: ['drain: skipped, missing ' + missing.join(', ')] };
  const cp = await startControlPlane({ kwok: true });
  try {
    const shape = { poolNodes: 50, restNodes: 5, replicas: 50 };
    const run = async (setup: PoolDrainSetup): Promise<PoolDrainRun> => {
      const nodes = await setUpPoolDrain(cp, setup);
      const r = await runPoolDrain(cp, setup, nodes);
      if (r.minHealthy < setup.replicas - 1)
        throw new Error(
          `${setup.prefix}: the PDB was violated (${r.minHealthy}/${setup.replicas} healthy at one moment)`,
        );
      return r;
    };
    const serial = await run({ ...shape, prefix: 'serial', concurrency: 1 });
    const pooled = await run({ ...shape, prefix: 'pool' });

    const floorNodes = await createPool(cp, 'floor', 50);
    const api = await ClusterApi.fromKubeconfig(readFileSync(cp.kubeconfig, 'utf8'));
    const t0 = Date.now();
    for (const n of floorNodes) await api.cordon(n);
    const cordonMs = Date.now() - t0;
    api.close();

    const retries = (r: PoolDrainRun) => r.results.reduce((a, x) => a + x.retries, 0);
    return {
      lines: [
        'drain (real control plane on loopback, kwok; 50 nodes, 50 pods under a PDB maxUnavailable 1, a DaemonSet pod per node)',
        row(
          '50-node pool drain (4 nodes at a time, the default)',
          s(pooled.ms),
          `${retries(pooled)} evictions refused by the PDB and retried; fewest healthy ${pooled.minHealthy}/50`,
        ),
        row(
          'baseline: the same drain one node at a time',
          s(serial.ms),
          `${retries(serial)} refused; fewest healthy ${serial.minHealthy}/50`,
        ),
        row('baseline: cordon 50 nodes only (API floor)', s(cordonMs)),
        row('ratio pool drain / one at a time', (pooled.ms / serial.ms).toFixed(2), '(< 1: parallel drains pay off)'),
        row('ratio pool drain / cordon only', (pooled.ms / cordonMs).toFixed(1)),
      ],
    };
  } finally {
    await cp.stop();
  }
}
