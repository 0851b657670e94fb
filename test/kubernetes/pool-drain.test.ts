/**
 * At scale, on the real control plane with kwok: draining a whole 50-node pool, whose 50 pods sit under
 * a PodDisruptionBudget with maxUnavailable 1, finishes, moves every pod to the nodes that stay, and
 * never has more than one pod unavailable (a watch sees every pod transition). The time is printed
 * here; `npm run bench -- drain` measures it against a baseline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { missingControlPlaneBinaries } from '../helpers/kube-binaries.js';
import { runPoolDrain, setUpPoolDrain, type PoolDrainSetup } from '../helpers/pool-drain.js';

const missing = missingControlPlaneBinaries();
const setup: PoolDrainSetup = { poolNodes: 50, restNodes: 5, replicas: 50, prefix: 'scale' };

describe.skipIf(missing.length > 0)('draining a 50-node pool', () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({ kwok: true });
  }, 180_000);
  afterAll(() => cp?.stop(), 60_000);

  it('finishes, moves every pod to the remaining nodes, and respects the PDB (maxUnavailable 1) at every moment', async () => {
    const nodes = await setUpPoolDrain(cp, setup);
    const run = await runPoolDrain(cp, setup, nodes);
    console.log(
      `50-node pool drain: ${run.ms} ms, ${run.results.reduce((a, r) => a + r.evicted.length, 0)} evictions, ` +
        `${run.results.reduce((a, r) => a + r.retries, 0)} refused by the PDB and retried, fewest healthy ${run.minHealthy}/${setup.replicas}, ${run.events} watch events`,
    );

    expect(run.results.map((r) => r.node).sort()).toEqual([...nodes].sort());
    expect(run.results.reduce((a, r) => a + r.evicted.length, 0)).toBe(setup.replicas);
    expect(run.results.every((r) => r.deleted.length === 0 && r.skipped.length === 1)).toBe(true); // the DaemonSet pod
    // The PDB held: never fewer than replicas - 1 healthy, and the budget was actually contended.
    expect(run.minHealthy).toBe(setup.replicas - 1);
    expect(run.results.reduce((a, r) => a + r.retries, 0)).toBeGreaterThan(0);
    expect(run.events).toBeGreaterThan(setup.replicas * 2);
    expect(run.finalNodes).toHaveLength(setup.replicas);
    expect(run.finalNodes.every((n) => n.startsWith('scale-rest-'))).toBe(true);
    // Every node of the pool is cordoned and holds no pod of the Deployment.
    const cordoned = await cp.kubectl([
      'get',
      'nodes',
      '-l',
      'test.ksctl.io/pool=scale-pool',
      '-o',
      'jsonpath={range .items[*]}{.spec.unschedulable}{"\\n"}{end}',
    ]);
    expect(cordoned.trim().split('\n')).toEqual(Array(50).fill('true'));
  }, 600_000);
});

describe.skipIf(missing.length === 0)('draining a 50-node pool', () => {
  it(`SKIPPED: missing ${missing.join(', ')} (scripts/install-test-deps.sh builds them with Go)`, () => {
    expect(missing.length).toBeGreaterThan(0);
  });
});
