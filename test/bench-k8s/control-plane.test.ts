/**
 * The loopback control plane helper (test/helpers/control-plane.ts) runs the REAL components: etcd 3.6,
 * kube-apiserver, kube-controller-manager and kube-scheduler v1.37.2, and kwok v0.8.0 managing simulated
 * nodes. The real kubectl lists nodes, a Deployment's pods are scheduled to kwok nodes and go Running
 * (ReplicaSet controller, scheduler and kwok's pod stages all work), and 1,000 kwok nodes become Ready and
 * schedulable (the node lifecycle controller lifted their not-ready taint). Issue 11's goal, 1,000 within a
 * minute on two shared cores, is measured by `npm run bench -- kwok`.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { waitUntil } from '../helpers/daemons.js';
import { KUBERNETES_VERSION, missingControlPlaneBinaries } from '../helpers/kube-binaries.js';
import { createKwokNodes, kwokNodeCounts, readyKwokNodes } from '../helpers/kwok-nodes.js';

const missing = missingControlPlaneBinaries();
const SCALE = 1000;

interface PodList {
  items: { metadata: { name: string }; spec: { nodeName?: string }; status: { phase?: string } }[];
}

describe.skipIf(missing.length > 0)('loopback control plane with kwok', () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane({ kwok: true });
    console.log(`control plane ready in ${cp.startMs} ms (${cp.server})`);
  }, 180_000);
  afterAll(async () => {
    if (!cp) return;
    const peaks = cp.peakMemoryKiB();
    const total = Object.values(peaks).reduce((a, b) => a + b, 0);
    const fmt = (kib: number) => `${Math.round(kib / 1024)} MiB`;
    console.log(
      `peak RSS: ${Object.entries(peaks)
        .map(([n, k]) => `${n} ${fmt(k)}`)
        .join(', ')}; sum ${fmt(total)}; test process ${fmt(process.resourceUsage().maxRSS)}`,
    );
    await cp.stop();
    // Teardown leaves nothing behind: every process exited, the directory is gone.
    expect(cp.daemons.filter((d) => !d.exited).map((d) => d.name)).toEqual([]);
    if (!process.env.KSCTL_TEST_KEEP) expect(existsSync(cp.dir)).toBe(false);
  }, 60_000);

  it(`the real kubectl ${KUBERNETES_VERSION} talks to the real API server and lists the kwok nodes Ready`, async () => {
    const version = JSON.parse(await cp.kubectl(['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    expect(version.clientVersion.gitVersion).toBe(KUBERNETES_VERSION);
    expect(version.serverVersion.gitVersion).toBe(KUBERNETES_VERSION);

    const names = await createKwokNodes(cp, 3, 'small');
    await waitUntil('3 kwok nodes Ready', async () => (await readyKwokNodes(cp)) === 3, 60_000, cp.daemons);
    const listed = (
      await cp.kubectl([
        'get',
        'nodes',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
      ])
    )
      .trim()
      .split('\n');
    expect(listed.sort()).toEqual(names.map((n) => `${n}=True`).sort());
  }, 120_000);

  it("a Deployment's pods are scheduled to kwok nodes and become Running", async () => {
    await cp.kubectl(['create', 'deployment', 'web', '--image=registry.invalid/web:1', '--replicas=6']);
    const pods = async () =>
      (await cp.getJson<PodList>('/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).items;
    await waitUntil(
      '6 web pods Running',
      async () => {
        const p = await pods();
        return p.length === 6 && p.every((x) => x.status.phase === 'Running');
      },
      90_000,
      cp.daemons,
    );
    const nodes = new Set((await pods()).map((p) => p.spec.nodeName));
    expect([...nodes].every((n) => n?.startsWith('small-'))).toBe(true);
    // The Deployment controller sees them too: the real status, not just our reading of pods.
    const ready = await cp.kubectl([
      'get',
      'deployment',
      'web',
      '-o',
      'jsonpath={.status.readyReplicas}/{.status.replicas}',
    ]);
    expect(ready).toBe('6/6');
  }, 120_000);

  // Speed is the benchmark's (`npm run bench -- kwok`, goal: under a minute); here the count is asserted,
  // the time printed, and two minutes is only the bound after which the test gives up.
  it(`${SCALE} kwok nodes become Ready and schedulable`, async () => {
    const before = await kwokNodeCounts(cp);
    const t0 = Date.now();
    await createKwokNodes(cp, SCALE, 'scale');
    const createdMs = Date.now() - t0;
    let counts = before;
    let readyMs = 0;
    await waitUntil(
      `${SCALE} more kwok nodes Ready and schedulable`,
      async () => {
        counts = await kwokNodeCounts(cp);
        if (!readyMs && counts.ready === before.ready + SCALE) readyMs = Date.now() - t0;
        return counts.schedulable === before.schedulable + SCALE;
      },
      120_000,
      cp.daemons,
      1000,
    );
    const schedulableMs = Date.now() - t0;
    console.log(
      `${SCALE} kwok nodes: created in ${createdMs} ms, all Ready after ${readyMs} ms, all schedulable after ${schedulableMs} ms`,
    );
    expect(counts.ready).toBe(before.ready + SCALE);
    expect(counts.schedulable).toBe(before.schedulable + SCALE);
  }, 180_000);
});

describe.skipIf(missing.length === 0)('loopback control plane with kwok', () => {
  it(`SKIPPED: missing ${missing.join(', ')} (scripts/install-test-deps.sh builds them with Go)`, () => {
    expect(missing.length).toBeGreaterThan(0);
  });
});
