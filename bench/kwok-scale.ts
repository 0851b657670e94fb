/**
 * Simulated nodes at scale on the real control plane (test/helpers/control-plane.ts: etcd 3.6,
 * kube-apiserver, controller-manager and scheduler v1.37.2, kwok): how long N Node objects take to be
 * created, Ready (kwok's stages) and schedulable (the node lifecycle controller lifted the not-ready
 * taint), for 100 nodes (the baseline) and 1,000 more on the same control plane. Issue 11's goal: 1,000
 * within a minute. Bundled and run by bench/run.mjs; needs the binaries install-test-deps.sh builds.
 */
import { startControlPlane, type ControlPlane } from '../test/helpers/control-plane.js';
import { waitUntil } from '../test/helpers/daemons.js';
import { missingControlPlaneBinaries } from '../test/helpers/kube-binaries.js';
import { createKwokNodes, kwokNodeCounts } from '../test/helpers/kwok-nodes.js';

interface Batch {
  created: number;
  ready: number;
  schedulable: number;
}

async function batch(cp: ControlPlane, count: number, prefix: string): Promise<Batch> {
  const before = await kwokNodeCounts(cp);
  const t0 = Date.now();
  await createKwokNodes(cp, count, prefix);
  const created = Date.now() - t0;
  let ready = 0;
  await waitUntil(
    `${count} kwok nodes schedulable`,
    async () => {
      const c = await kwokNodeCounts(cp);
      if (!ready && c.ready === before.ready + count) ready = Date.now() - t0;
      return c.schedulable === before.schedulable + count;
    },
    300_000,
    cp.daemons,
    500,
  );
  return { created, ready, schedulable: Date.now() - t0 };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function benchKwokScale(): Promise<{ lines: string[] }> {
  const missing = missingControlPlaneBinaries();
  if (missing.length) return { lines: ['kwok scale: skipped, missing ' + missing.join(', ')] };
  const cp = await startControlPlane({ kwok: true });
  try {
    const small = await batch(cp, 100, 'base');
    const large = await batch(cp, 1000, 'scale');
    const peaks = cp.peakMemoryKiB();
    const total = Object.values(peaks).reduce((a, b) => a + b, 0);
    return {
      lines: [
        'kwok scale (real control plane on loopback, kwok v0.8.0)',
        `${'control plane ready (etcd, apiserver /readyz)'.padEnd(58)} ${s(cp.startMs).padStart(10)}`,
        `${'nodes'.padEnd(20)}${'created'.padStart(10)}${'Ready'.padStart(10)}${'schedulable'.padStart(14)}`,
        `${'100 (baseline)'.padEnd(20)}${s(small.created).padStart(10)}${s(small.ready).padStart(10)}${s(small.schedulable).padStart(14)}`,
        `${'1,000 more'.padEnd(20)}${s(large.created).padStart(10)}${s(large.ready).padStart(10)}${s(large.schedulable).padStart(14)}   goal < 60 s`,
        `${'ratio 1,000 / 100 (schedulable)'.padEnd(58)} ${(large.schedulable / small.schedulable).toFixed(1).padStart(10)}   (10.0 = linear)`,
        `${'peak RSS, sum of the control plane and kwok'.padEnd(58)} ${`${Math.round(total / 1024)} MiB`.padStart(10)}`,
      ],
    };
  } finally {
    await cp.stop();
  }
}
