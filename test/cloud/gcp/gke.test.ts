/** GKE on FakeGcp: create with node pools and a release channel, the auth-plugin kubeconfig, delete. */
import { parse } from 'yaml';
import { InputError } from '../../../src/errors.js';
import { describe, expect, it } from 'vitest';
import { poolPlacement } from '../../../src/cloud/gcp/gke/nodepools.js';
import { resolveGkeVersion } from '../../../src/cloud/gcp/gke/version.js';
import { gcpSpec, managedWorld } from '../../fakes/gcp/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';
import { runSteps } from '../../contract/run-steps.js';
import { expectConverged } from '../../contract/provider-contract.js';

const spec = gcpSpec({
  name: 'gke1',
  type: 'managed',
  nodePools: [
    { name: 'general', count: 1, size: 'e2-standard-2', spot: false, labels: {}, taints: [] },
    { name: 'cheap', count: 2, size: 'e2-standard-4', spot: true, labels: {}, taints: [] },
  ],
});

async function created(s = spec) {
  const w = managedWorld(s);
  const cluster = MemoryCluster.create(s);
  const ctx = stepContext(cluster, s);
  const p = w.provider();
  await p.preflight(ctx);
  await runSteps(p.createSteps(s), ctx);
  return { w, cluster, ctx, p };
}

describe('GKE', () => {
  it('creates one cluster with its node pools inline, REGULAR channel, limited endpoint', async () => {
    const { w, cluster } = await created();
    expectConverged(w, cluster);
    const [create] = w.fake.callsOf('clusterManager:createCluster', 'ok');
    const c = create!.input.cluster;
    expect(create!.input.parent).toBe('projects/ksctl-fake-project/locations/us-central1');
    expect(c.releaseChannel).toEqual({ channel: 'REGULAR' });
    expect(c.initialClusterVersion).toMatch(/^1\.36\./);
    // The successor of the deprecated masterAuthorizedNetworksConfig, which is not sent.
    expect(c.masterAuthorizedNetworksConfig).toBeUndefined();
    expect(c.controlPlaneEndpointsConfig.ipEndpointsConfig).toMatchObject({
      enabled: true,
      enablePublicEndpoint: true,
    });
    expect(w.fake.authorizedNetworks('projects/ksctl-fake-project/locations/us-central1/clusters/gke1')).toEqual([
      '198.51.100.77/32',
    ]);
    expect(c.masterAuth.clientCertificateConfig.issueClientCertificate).toBe(false);
    expect(c.nodePools.map((p: { name: string; config: { spot: boolean } }) => [p.name, p.config.spot])).toEqual([
      ['general', false],
      ['cheap', true],
    ]);
    expect(c.resourceLabels['ksctl-io-cluster']).toBe('us-central1_gke1');
    expect(w.fake.callsOf('clusterManager:createNodePool')).toEqual([]);
  });

  it('the default pool comes from spec.workers, spot with --spot', async () => {
    const s = gcpSpec({
      name: 'gke2',
      type: 'managed',
      workers: { count: 1, size: 'e2-standard-2', spot: true },
      nodePools: [], // no pools listed: the default pool comes from workers
    });
    const { w } = await created(s);
    const pools = w.fake.callsOf('clusterManager:createCluster', 'ok')[0]!.input.cluster.nodePools;
    expect(pools).toHaveLength(1);
    expect(pools[0]).toMatchObject({
      name: 'default',
      initialNodeCount: 1,
      locations: ['us-central1-a'],
      config: { machineType: 'e2-standard-2', spot: true },
    });
  });

  it.each([
    [1, 1, 1],
    [2, 2, 1],
    [3, 3, 1],
    [4, 2, 2],
    [5, 1, 5],
    [6, 3, 2],
  ])(
    'a pool of %i nodes in a regional cluster: %i zone(s) × %i (the total is the spec count)',
    (count, zones, perZone) => {
      const p = poolPlacement(count, ['z-a', 'z-b', 'z-c', 'z-f']);
      expect([p.locations.length, p.perZone]).toEqual([zones, perZone]);
    },
  );

  it('writes a kubeconfig with the gke-gcloud-auth-plugin exec entry and no token', async () => {
    const { p, ctx } = await created();
    const text = await p.kubeconfig(ctx);
    expect(text).not.toMatch(/\btoken:/);
    const kc = parse(text);
    expect(kc.clusters[0].cluster.server).toBe('https://34.118.0.10');
    expect(Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toContain(
      'BEGIN CERTIFICATE',
    );
    expect(kc.users[0].user.exec).toMatchObject({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'gke-gcloud-auth-plugin',
      provideClusterInfo: true,
    });
    expect(kc['current-context']).toBe('gke1-us-central1-managed-gcp-ksctl');
  });

  it('scales a pool to a total: setNodePoolSize gets the per-zone count; a total the zones cannot share is refused', async () => {
    const s = gcpSpec({
      name: 'gke3',
      type: 'managed',
      nodePools: [{ name: 'two', count: 2, size: 'e2-standard-2', spot: false, labels: {}, taints: [] }],
    });
    const { w, ctx, p } = await created(s);
    const path = 'projects/ksctl-fake-project/locations/us-central1/clusters/gke3/nodePools/two';
    expect(w.fake.poolNodes(path)).toBe(2); // 1 in each of 2 zones
    await p.scaleNodePool!(ctx, 'two', 4);
    expect(w.fake.callsOf('clusterManager:setNodePoolSize', 'ok').map((c) => c.input.nodeCount)).toEqual([2]);
    expect(w.fake.poolNodes(path)).toBe(4);
    const err = await p.scaleNodePool!(ctx, 'two', 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).fields).toEqual(['spec.nodePools[two].count']);
    expect((err as Error).message).toMatch(/multiple of 2.*try 4 or 6/);
    expect(w.fake.callsOf('clusterManager:setNodePoolSize')).toHaveLength(1);
    expect(w.fake.poolNodes(path)).toBe(4);
  });

  it('creates a pool added to the spec later, waiting out a busy cluster', async () => {
    const { w, cluster } = await created();
    const more = {
      ...spec,
      nodePools: [
        ...spec.nodePools,
        { name: 'extra', count: 1, size: 'e2-standard-2', spot: false, labels: {}, taints: [] },
      ],
    };
    // The cluster is "busy" right after a change: the first createNodePool is refused and retried.
    w.fake.data.clusters.get('projects/ksctl-fake-project/locations/us-central1/clusters/gke1')!.busyUntil =
      w.fake.clock.now() + 60_000;
    await runSteps(w.provider().createSteps(more), stepContext(cluster.reopen(), more));
    const outcomes = w.fake.callsOf('clusterManager:createNodePool').map((c) => c.outcome);
    expect(outcomes.at(-1)).toBe('ok');
    expect(outcomes.slice(0, -1).length).toBeGreaterThan(0);
    expect(new Set(outcomes.slice(0, -1))).toEqual(new Set(['FAILED_PRECONDITION']));
    expect(w.fake.inventory().filter((r) => r.kind === 'gke-nodepool')).toHaveLength(3);
  });

  it('deletes node pools, then the cluster, then the network', async () => {
    const { w, cluster } = await created();
    await w.provider().destroy(stepContext(cluster.reopen(), spec));
    expect(w.fake.inventory()).toEqual([]);
    const order = w.fake
      .mutatingCalls()
      .map((c) => c.op)
      .filter((op) => /delete/i.test(op));
    expect(order).toEqual([
      'clusterManager:deleteNodePool',
      'clusterManager:deleteNodePool',
      'clusterManager:deleteCluster',
      'subnetworks:delete',
      'networks:delete',
    ]);
  });

  it('resolves versions: channel first, static next, else an InputError', () => {
    const cfg = {
      channels: [
        {
          channel: 'REGULAR' as const,
          defaultVersion: '1.36.6-gke.1',
          validVersions: ['1.37.1-gke.1', '1.36.6-gke.1'],
        },
      ],
      validMasterVersions: ['1.37.1-gke.1', '1.36.6-gke.1', '1.34.11-gke.1'],
    };
    expect(resolveGkeVersion('1.37', cfg, 'r')).toEqual({ version: '1.37.1-gke.1', channel: 'REGULAR' });
    expect(resolveGkeVersion('1.34', cfg, 'r')).toEqual({ version: '1.34.11-gke.1' });
    // No version: the REGULAR channel's default.
    expect(resolveGkeVersion(undefined, cfg, 'r')).toEqual({ version: '1.36.6-gke.1', channel: 'REGULAR' });
    expect(() => resolveGkeVersion('1.31', cfg, 'r')).toThrow(/does not offer Kubernetes 1\.31/);
    try {
      resolveGkeVersion('1.31', cfg, 'r');
    } catch (e) {
      expect((e as { hint?: string }).hint).toBe('available: 1.37, 1.36, 1.34');
    }
  });
});
