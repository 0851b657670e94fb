/**
 * ksctl's Kubernetes API client (src/managers/kubernetes/) against the REAL control plane on loopback
 * (etcd, kube-apiserver, controller-manager, scheduler v1.37.2) with kwok's simulated nodes: nodes are
 * listed with what ksctl reads, cordoned, labelled and tainted; drains go through the real Eviction API
 * and the real disruption controller's PodDisruptionBudget status; the onboarding check waits on real
 * nodes; and the API server's CA is verified.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../../src/distro/pki/index.js';
import { ClusterApi } from '../../src/managers/kubernetes/cluster-api.js';
import { DrainBlockedError } from '../../src/managers/kubernetes/drain.js';
import { OnboardingError } from '../../src/managers/kubernetes/onboarding.js';
import { drainAndDeleteNode, drainAndDeleteWorker } from '../../src/managers/kubernetes/remove-node.js';
import { kubernetesManager } from '../../src/managers/kubernetes.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';
import { missingControlPlaneBinaries } from '../helpers/kube-binaries.js';
import { createPool, daemonSet, deploy, pdb, podsOf, POOL_LABEL, waitForReady } from '../helpers/kwok-workloads.js';

const missing = missingControlPlaneBinaries();

describe.skipIf(missing.length > 0)('ClusterApi on the real control plane', () => {
  let cp: ControlPlane;
  let api: ClusterApi;
  let kubeconfig: string;
  beforeAll(async () => {
    cp = await startControlPlane({ kwok: true });
    kubeconfig = readFileSync(cp.kubeconfig, 'utf8');
    api = await ClusterApi.fromKubeconfig(kubeconfig);
  }, 180_000);
  afterAll(async () => {
    api?.close();
    await cp?.stop();
  }, 60_000);

  it('lists nodes with Ready, labels, providerID, kubelet version, cordon state and creation time', async () => {
    await createPool(cp, 'list', 2, { providerID: (n) => `ksctl://test/${n}` });
    const nodes = (await api.nodes(`${POOL_LABEL}=list`)).sort((a, b) => a.name.localeCompare(b.name));
    expect(nodes.map((n) => n.name)).toEqual(['list-0', 'list-1']);
    for (const n of nodes) {
      expect(n.ready).toBe(true);
      expect(n.labels[POOL_LABEL]).toBe('list');
      expect(n.providerID).toBe(`ksctl://test/${n.name}`);
      // kwok reports its own version as the kubelet's; compared with what kubectl reads.
      expect(n.kubeletVersion).toBe(
        await cp.kubectl(['get', 'node', n.name, '-o', 'jsonpath={.status.nodeInfo.kubeletVersion}']),
      );
      expect(n.kubeletVersion).toBeTruthy();
      expect(n.unschedulable).toBe(false);
      expect(Date.parse(n.createdAt)).toBeGreaterThan(Date.now() - 600_000);
    }
    // The whole list too: the selector is the API's, not a filter of ours.
    expect((await api.nodes()).length).toBeGreaterThanOrEqual(2);
  });

  it('cordons and uncordons (kubectl sees it), idempotently', async () => {
    await createPool(cp, 'cordon', 1);
    expect((await api.cordon('cordon-0')).unschedulable).toBe(true);
    expect((await api.cordon('cordon-0')).unschedulable).toBe(true);
    expect(await cp.kubectl(['get', 'node', 'cordon-0', '-o', 'jsonpath={.spec.unschedulable}'])).toBe('true');
    expect((await api.uncordon('cordon-0')).unschedulable).toBe(false);
    expect(await cp.kubectl(['get', 'node', 'cordon-0', '-o', 'jsonpath={.spec.unschedulable}'])).toBe('');
  });

  it("sets a pool's labels and taints, keeps others' taints, and removes what the pool no longer asks for", async () => {
    await createPool(cp, 'meta', 1);
    await cp.kubectl(['taint', 'node', 'meta-0', 'someone.else/owns=this:NoSchedule']);
    const first = {
      labels: { 'ksctl.io/pool': 'gpu', tier: 'a' },
      taints: [{ key: 'gpu', value: 'true', effect: 'NoSchedule' as const }],
    };
    await api.setNodeMetadata('meta-0', first);
    const read = async () =>
      JSON.parse(await cp.kubectl(['get', 'node', 'meta-0', '-o', 'json'])) as {
        metadata: { labels: Record<string, string> };
        spec: { taints?: { key: string; value?: string; effect: string }[] };
      };
    let n = await read();
    expect(n.metadata.labels).toMatchObject({ 'ksctl.io/pool': 'gpu', tier: 'a' });
    expect(n.spec.taints).toEqual(
      expect.arrayContaining([
        { key: 'gpu', value: 'true', effect: 'NoSchedule' },
        { key: 'someone.else/owns', value: 'this', effect: 'NoSchedule' },
      ]),
    );

    // The pool edited: label tier dropped, taint changed to NoExecute with another value.
    const second = {
      labels: { 'ksctl.io/pool': 'gpu' },
      taints: [{ key: 'gpu', value: 'yes', effect: 'NoExecute' as const }],
    };
    await api.setNodeMetadata('meta-0', second, first);
    n = await read();
    expect(n.metadata.labels.tier).toBeUndefined();
    expect(n.metadata.labels['kubernetes.io/hostname']).toBe('meta-0'); // not ours: kept
    const taints = (n.spec.taints ?? []).map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`).sort();
    expect(taints).toEqual(['gpu=yes:NoExecute', 'someone.else/owns=this:NoSchedule']);
  });

  it('drains a node through the Eviction API: the PDB-covered Deployment moves to other nodes, DaemonSet pods stay', async () => {
    await createPool(cp, 'drain', 3);
    await daemonSet(cp, 'agent', ['drain'], 3);
    const before = await deploy(cp, 'web', 4, ['drain']);
    await pdb(cp, 'web', { maxUnavailable: 1 }, 4);
    const counts = new Map<string, number>();
    for (const p of before) counts.set(p.node!, (counts.get(p.node!) ?? 0) + 1);
    const [victim] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const lines: string[] = [];
    const result = await api.drain(victim, { timeoutMs: 60_000, onProgress: (l) => lines.push(l) });

    expect(result.evicted.length).toBe(counts.get(victim));
    expect(result.deleted).toEqual([]);
    expect(result.skipped).toEqual([expect.stringMatching(/^default\/agent-\w+ \(DaemonSet agent\)$/)]);
    expect(lines.some((l) => l.includes('evicted default/web-'))).toBe(true);
    await waitForReady(cp, 'web', 4);
    const after = (await podsOf(cp, 'web')).filter((p) => !p.deleting);
    expect(after.filter((p) => p.node === victim)).toEqual([]);
    expect(after.every((p) => p.node?.startsWith('drain-'))).toBe(true);
    // The DaemonSet pod is still there, and the node is cordoned.
    expect((await podsOf(cp, 'agent')).filter((p) => p.node === victim)).toHaveLength(1);
    expect((await api.node(victim))?.unschedulable).toBe(true);
  }, 120_000);

  it('a PDB that allows no disruption blocks the drain until the timeout, naming the PDB and pods; force deletes them', async () => {
    await createPool(cp, 'block', 2);
    const pods = await deploy(cp, 'db', 2, ['block']);
    await pdb(cp, 'db', { minAvailable: 2 }, 2);
    const node = pods[0]!.node!;
    const mine = pods.filter((p) => p.node === node).map((p) => `default/${p.name}`);
    const t0 = Date.now();
    const err = await api.drain(node, { timeoutMs: 3000 }).catch((e: unknown) => e);
    const took = Date.now() - t0;
    expect(err).toBeInstanceOf(DrainBlockedError);
    const e = err as DrainBlockedError;
    expect(e.budgets).toEqual(['db']);
    expect(e.pods.sort()).toEqual(mine.sort());
    expect(e.message).toContain('PodDisruptionBudget db');
    expect(e.message).toContain(mine[0]);
    expect(e.message).toMatch(/needs 2 healthy pods and has 2 currently/); // the API server's own words
    expect(e.hint).toContain('--force');
    expect(took).toBeGreaterThanOrEqual(2500);
    expect(took).toBeLessThan(15_000);
    // Nothing was evicted: both pods still run.
    expect((await podsOf(cp, 'db')).filter((p) => !p.deleting)).toHaveLength(2);

    const forced = await api.drain(node, { timeoutMs: 2000, force: true });
    expect(forced.deleted.sort()).toEqual(mine.sort());
    expect(forced.evicted).toEqual([]);
    expect((await podsOf(cp, 'db')).filter((p) => p.node === node && !p.deleting)).toEqual([]);
  }, 120_000);

  it('drains several nodes: all cordoned first; one blocked node fails the call after the others drained', async () => {
    const nodes = await createPool(cp, 'multi', 3);
    const [solo] = await deploy(cp, 'solo', 1, ['multi']);
    await pdb(cp, 'solo', { minAvailable: 1 }, 1);
    const err = (await api.drainNodes(nodes, { timeoutMs: 2000 }).catch((e: unknown) => e)) as DrainBlockedError;
    expect(err).toBeInstanceOf(DrainBlockedError);
    expect(err.node).toBe(solo!.node);
    expect(err.budgets).toEqual(['solo']);
    for (const n of nodes) expect((await api.node(n))?.unschedulable).toBe(true);
    // With force the blocked pod goes; it has nowhere to run (every node of its pool is cordoned).
    const done = await api.drainNodes(nodes, { timeoutMs: 1000, force: true, concurrency: 2 });
    expect(done.flatMap((r) => r.deleted)).toEqual([`default/${solo!.name}`]);
    expect((await podsOf(cp, 'solo')).filter((p) => p.node)).toEqual([]);
  }, 60_000);

  it('refuses pods with emptyDir data and bare pods before evicting anything, unless asked', async () => {
    await createPool(cp, 'local', 1);
    const [p] = await deploy(cp, 'cache', 1, ['local'], { emptyDir: true });
    await cp.kubectl([
      'run',
      'bare',
      '--image=registry.invalid/bare:1',
      '--restart=Never',
      '--overrides',
      JSON.stringify({ spec: { nodeName: 'local-0' } }),
    ]);
    await waitForReadyPod(cp, 'bare');
    const err = (await api.drain('local-0', { timeoutMs: 5000 }).catch((e: unknown) => e)) as DrainBlockedError;
    expect(err).toBeInstanceOf(DrainBlockedError);
    expect(err.message).toContain(`emptyDir data that is lost with the node: default/${p!.name}`);
    expect(err.message).toContain('pods no controller would recreate: default/bare');
    expect(err.hint).toContain('--delete-emptydir-data');
    expect((await podsOf(cp, 'cache')).filter((x) => !x.deleting)).toHaveLength(1); // nothing evicted

    const done = await api.drain('local-0', { timeoutMs: 30_000, deleteEmptyDirData: true, force: true });
    expect(done.evicted.sort()).toEqual([`default/${p!.name}`, 'default/bare'].sort());
  }, 120_000);

  it('removes a worker: drain and delete the Node; a node that is already gone is fine', async () => {
    await createPool(cp, 'gone', 1);
    expect(await drainAndDeleteNode(api, 'gone-0', { timeoutMs: 10_000 })).toMatchObject({ existed: true });
    expect(await api.node('gone-0')).toBeUndefined();
    expect(await drainAndDeleteNode(api, 'gone-0', { timeoutMs: 10_000 })).toEqual({ existed: false });
    expect(await api.deleteNode('gone-0')).toBe(false);

    // From a cluster's secrets, as a removal step has them: the kubeconfig in state.
    await createPool(cp, 'gone2', 1);
    const secrets = { get: async (n: string) => (n === 'kubeconfig' ? kubeconfig : undefined) };
    const removed = await drainAndDeleteWorker(secrets, 'gone2-0', { timeoutMs: 10_000 });
    expect(removed).toEqual({
      existed: true,
      drain: { node: 'gone2-0', evicted: [], deleted: [], skipped: [], retries: 0 },
    });
    expect(await api.node('gone2-0')).toBeUndefined();
    await expect(drainAndDeleteWorker({ get: async () => undefined }, 'x', { timeoutMs: 1000 })).rejects.toThrow(
      'cannot remove node x: the cluster has no kubeconfig in its state yet',
    );
  });

  it('onboarding check: passes once Ready with providerID, labels and taints; fails naming what is missing', async () => {
    await createPool(cp, 'onb', 2, { providerID: (n) => `aws:///eu-west-1a/i-${n}` });
    const want = {
      labels: { 'ksctl.io/pool': 'onb' },
      taints: [{ key: 'dedicated', value: 'onb', effect: 'NoSchedule' as const }],
    };
    // Set the pool's metadata a moment after the wait starts: the check waits for it.
    const waiting = api.waitOnboarded('onb-0', { ...want, providerID: 'aws:///eu-west-1a/i-onb-0' }, 20_000);
    setTimeout(() => void api.setNodeMetadata('onb-0', want), 1000);
    const node = await waiting;
    expect(node.ready && node.labels['ksctl.io/pool'] === 'onb').toBe(true);

    const err = (await api.waitOnboarded('onb-1', want, 2000).catch((e: unknown) => e)) as OnboardingError;
    expect(err).toBeInstanceOf(OnboardingError);
    expect(err.gaps).toEqual(['label ksctl.io/pool=onb missing', 'taint dedicated=onb:NoSchedule missing']);
    expect(err.message).toMatch(/^node onb-1 did not pass the onboarding check within 2s: label/);

    const never = (await api.waitOnboarded('onb-9', want, 1000).catch((e: unknown) => e)) as OnboardingError;
    expect(never.gaps).toEqual(['it has not registered with the API server']);

    await createPool(cp, 'noid', 1);
    const noid = (await api.waitOnboarded('noid-0', {}, 1000).catch((e: unknown) => e)) as OnboardingError;
    expect(noid.gaps).toEqual(['spec.providerID is not set']);
  }, 60_000);

  it('KubernetesManager reaches a cluster through the kubeconfig in its state', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'ksctl-kube-state-'));
    try {
      const store = new LocalStateStore(root);
      const id = { provider: 'ssh' as const, region: 'local', name: 'kw' };
      const mgr = await kubernetesManager({ store });
      // No kubeconfig in state yet: a clear error, no request.
      await expect(mgr.nodes(id)).rejects.toThrow('cluster kw (ssh/local) has no kubeconfig in its state yet');
      await store.secrets(id).put('kubeconfig', kubeconfig);
      await createPool(cp, 'state', 1, { providerID: (n) => `ksctl://kw/${n}` });
      const nodes = await mgr.nodes(id, `${POOL_LABEL}=state`);
      expect(nodes.map((n) => [n.name, n.providerID, n.ready])).toEqual([['state-0', 'ksctl://kw/state-0', true]]);
      expect((await mgr.cordon(id, 'state-0')).unschedulable).toBe(true);
      const drained = await mgr.drain(id, 'state-0', { timeoutMs: 10_000 });
      expect(drained).toEqual({ node: 'state-0', evicted: [], deleted: [], skipped: [], retries: 0 });
      expect(await mgr.deleteNode(id, 'state-0')).toBe(true);
      await mgr.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("verifies the API server's certificate: a kubeconfig with another CA fails clearly, without its key", async () => {
    const other = await createCa({ commonName: 'not-the-cluster-ca' });
    const b64 = Buffer.from(other.cert).toString('base64');
    const wrong = kubeconfig.replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${b64}`);
    expect(wrong).not.toBe(kubeconfig);
    const bad = await ClusterApi.fromKubeconfig(wrong);
    const err = (await bad.nodes().catch((e: unknown) => e)) as Error & { hint?: string };
    bad.close();
    expect(err.message).toMatch(
      /^list nodes: the API server at https:\/\/127\.0\.0\.1:\d+ presented a certificate that the kubeconfig's certificate authority does not verify \(\w+\)$/,
    );
    expect(err.hint).toContain('never skips TLS verification');
    const key = /client-key-data: (\S+)/.exec(kubeconfig)![1]!;
    expect(JSON.stringify({ m: err.message, h: err.hint, s: err.stack })).not.toContain(key.slice(0, 40));

    // Even with verification switched off for the process, ksctl's client still verifies.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      const again = await ClusterApi.fromKubeconfig(wrong);
      await expect(again.nodes()).rejects.toThrow(/does not verify/);
      again.close();
    } finally {
      delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    }

    // insecure-skip-tls-verify is refused before any request.
    const skip = kubeconfig.replace(/certificate-authority-data: \S+/, 'insecure-skip-tls-verify: true');
    await expect(ClusterApi.fromKubeconfig(skip)).rejects.toThrow(
      /sets insecure-skip-tls-verify; ksctl verifies the API server's certificate and refuses it/,
    );
  });
});

async function waitForReadyPod(cp: ControlPlane, name: string): Promise<void> {
  const { waitUntil } = await import('../helpers/daemons.js');
  await waitUntil(
    `pod ${name} Ready`,
    async () => {
      const p = await cp.getJson<{ status: { conditions?: { type: string; status: string }[] } }>(
        `/api/v1/namespaces/default/pods/${name}`,
      );
      return p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    },
    60_000,
    cp.daemons,
  );
}

describe.skipIf(missing.length === 0)('ClusterApi on the real control plane', () => {
  it(`SKIPPED: missing ${missing.join(', ')} (scripts/install-test-deps.sh builds them with Go)`, () => {
    expect(missing.length).toBeGreaterThan(0);
  });
});
