/**
 * The fakes' day-2 node pool handlers behave as the clouds document: FakeAzure's agentPools (async
 * PUT/DELETE, conflicts while an operation runs, fields fixed at creation, bounds without the
 * autoscaler, the cluster's own pools addressable), FakeGcp's GKE operations and nodePools.update,
 * FakeAws's DescribeUpdate and scaling checks.
 */
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { ARM, FAKE_SUBSCRIPTION, FakeAzure } from './azure/fake-azure.js';
import type { Json } from './azure/model.js';
import { takeModelProblems } from './common/model-problems.js';
import { FakeGcp } from './gcp/fake-gcp.js';

async function send(fake: FakeAzure, method: string, path: string, body?: Json) {
  const req = createPipelineRequest({
    url: `${ARM}${path}?api-version=2025-01-01`,
    method: method as 'GET',
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const res = await fake.sendRequest(req);
  return { status: res.status, body: res.bodyAsText ? (JSON.parse(res.bodyAsText) as Json) : {} };
}

describe('FakeAzure agentPools', () => {
  const G = `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/g`;
  const MC = `${G}/providers/Microsoft.ContainerService/managedClusters/c`;
  const pool = (props: Json) => ({
    properties: { vmSize: 'Standard_D2s_v5', type: 'VirtualMachineScaleSets', mode: 'User', ...props },
  });
  async function cluster(fake: FakeAzure) {
    await send(fake, 'PUT', G, { location: 'eastus' });
    await send(fake, 'PUT', MC, {
      location: 'eastus',
      properties: {
        dnsPrefix: 'c',
        agentPoolProfiles: [
          { name: 'system', mode: 'System', count: 1, vmSize: 'Standard_D2s_v5', type: 'VirtualMachineScaleSets' },
        ],
      },
    });
    for (
      let i = 0;
      i < 50 && (await send(fake, 'GET', MC)).body['properties'] && fake.model.get(MC)?.state !== 'Succeeded';
      i++
    )
      fake.model.settle(fake.now);
  }

  it('creates asynchronously, refuses a second PUT while it runs, then shows the pool in the cluster too', async () => {
    const fake = new FakeAzure();
    fake.config.latencies['PUT agentPools'] = 1_000_000;
    await cluster(fake);
    const put = await send(fake, 'PUT', `${MC}/agentPools/gpu`, pool({ count: 2, availabilityZones: ['1', '2'] }));
    expect(put.status).toBe(201);
    expect((put.body['properties'] as Json)['provisioningState']).toBe('Creating');
    expect(
      (await send(fake, 'PUT', `${MC}/agentPools/gpu`, pool({ count: 3, availabilityZones: ['1', '2'] }))).status,
    ).toBe(409);
    fake.tick += 2_000_000;
    fake.model.settle(fake.now);
    const got = await send(fake, 'GET', `${MC}/agentPools/gpu`);
    expect(got.body['properties']).toMatchObject({ count: 2, provisioningState: 'Succeeded' });
    const names = ((await send(fake, 'GET', MC)).body['properties'] as Json)['agentPoolProfiles'] as Json[];
    expect(names.map((p) => p['name'])).toEqual(['system', 'gpu']);
    // The cluster's own pool is an agent pool like the others.
    expect((await send(fake, 'GET', `${MC}/agentPools/system`)).body['properties']).toMatchObject({ mode: 'System' });
    const list = (await send(fake, 'GET', `${MC}/agentPools`)).body['value'] as Json[];
    expect(list.map((p) => p['name']).sort()).toEqual(['gpu', 'system']);
  });

  it.each([
    ['no count', pool({}), 400, /count is missing/],
    ['minCount without enableAutoScaling', pool({ count: 1, minCount: 1, maxCount: 3 }), 400, /enableAutoScaling/],
    ['a zone the size lacks', pool({ count: 1, availabilityZones: ['4'] }), 400, /AvailabilityZoneNotSupported|zone/],
    ['a taint AKS refuses', pool({ count: 1, nodeTaints: ['k=v:Sometimes'] }), 400, /nodeTaints/],
  ])('refuses %s', async (_what, body, status, message) => {
    const fake = new FakeAzure();
    await cluster(fake);
    const res = await send(fake, 'PUT', `${MC}/agentPools/bad`, body);
    expect(res.status).toBe(status);
    expect(JSON.stringify(res.body)).toMatch(message);
    expect((await send(fake, 'GET', `${MC}/agentPools/bad`)).status).toBe(404);
  });

  it('refuses a change of vmSize, deletes asynchronously, and keeps the last System pool', async () => {
    const fake = new FakeAzure();
    await cluster(fake);
    await send(fake, 'PUT', `${MC}/agentPools/web`, pool({ count: 1 }));
    fake.tick += 1000;
    fake.model.settle(fake.now);
    const resize = await send(fake, 'PUT', `${MC}/agentPools/web`, pool({ count: 1, vmSize: 'Standard_D4s_v5' }));
    expect(resize.status).toBe(400);
    expect(JSON.stringify(resize.body)).toMatch(/PropertyChangeNotAllowed/);
    expect((await send(fake, 'DELETE', `${MC}/agentPools/system`)).status).toBe(400);
    expect((await send(fake, 'DELETE', `${MC}/agentPools/web`)).status).toBe(202);
    fake.tick += 100_000;
    fake.model.settle(fake.now);
    expect((await send(fake, 'GET', `${MC}/agentPools/web`)).status).toBe(404);
    expect((await send(fake, 'DELETE', `${MC}/agentPools/web`)).status).toBe(204);
  });
});

describe('FakeGcp GKE operations and nodePools.update', () => {
  const P = 'projects/ksctl-fake-project/locations/us-central1';
  const C = `${P}/clusters/c`;
  async function clusterWithPool(fake: FakeGcp) {
    await fake.dispatch('networks:insert', {
      project: 'ksctl-fake-project',
      networkResource: { name: 'n' },
      requestId: 'r',
    });
    await fake.dispatch('clusterManager:createCluster', {
      parent: P,
      cluster: {
        name: 'c',
        network: 'n',
        nodePools: [
          { name: 'a', initialNodeCount: 1, version: '1.36.6-gke.1345000', config: { imageType: 'COS_CONTAINERD' } },
        ],
      },
    });
    await fake.clock.sleep(60 * 60_000);
  }

  it('an operation is RUNNING until done, then DONE; the pool is RECONCILING meanwhile and other calls wait', async () => {
    const fake = new FakeGcp({ clock: 'virtual' });
    await clusterWithPool(fake);
    const op = await fake.dispatch('clusterManager:setNodePoolSize', { name: `${C}/nodePools/a`, nodeCount: 3 });
    const name = `${P}/operations/${op.name}`;
    expect((await fake.dispatch('clusterManager:getOperation', { name })).status).toBe('RUNNING');
    expect((await fake.dispatch('clusterManager:getNodePool', { name: `${C}/nodePools/a` })).status).toBe(
      'RECONCILING',
    );
    await expect(
      fake.dispatch('clusterManager:updateNodePool', {
        name: `${C}/nodePools/a`,
        nodeVersion: '-',
        imageType: 'COS_CONTAINERD',
      }),
    ).rejects.toMatchObject({ code: 9 });
    await fake.clock.sleep(60 * 60_000);
    expect((await fake.dispatch('clusterManager:getOperation', { name })).status).toBe('DONE');
    expect((await fake.dispatch('clusterManager:getNodePool', { name: `${C}/nodePools/a` })).status).toBe('RUNNING');
    await expect(
      fake.dispatch('clusterManager:getOperation', { name: `${P}/operations/operation-999` }),
    ).rejects.toMatchObject({ code: 5 });
  });

  it('update replaces labels and taints, requires nodeVersion and imageType, refuses an unknown effect', async () => {
    const fake = new FakeGcp({ clock: 'virtual' });
    await clusterWithPool(fake);
    const name = `${C}/nodePools/a`;
    await expect(
      fake.dispatch('clusterManager:updateNodePool', { name, labels: { labels: {} } }),
    ).rejects.toMatchObject({ code: 3 });
    // Refused by the proto check itself (nodeVersion and imageType are REQUIRED), as GKE refuses it.
    expect(takeModelProblems().flatMap((p) => p.problems)).toEqual([
      'nodeVersion is required',
      'imageType is required',
    ]);
    await expect(
      fake.dispatch('clusterManager:updateNodePool', {
        name,
        nodeVersion: '-',
        imageType: 'COS_CONTAINERD',
        taints: { taints: [{ key: 'k', effect: 'SOMETIMES' }] },
      }),
    ).rejects.toMatchObject({ code: 3 });
    expect(takeModelProblems()).toHaveLength(1); // SOMETIMES is no NodeTaint.Effect
    await fake.dispatch('clusterManager:updateNodePool', {
      name,
      nodeVersion: '-',
      imageType: 'COS_CONTAINERD',
      labels: { labels: { a: 'b' } },
      taints: { taints: [{ key: 'k', value: 'v', effect: 'NO_EXECUTE' }] },
    });
    const p = await fake.dispatch('clusterManager:getNodePool', { name });
    expect(p.config).toMatchObject({ labels: { a: 'b' }, taints: [{ key: 'k', value: 'v', effect: 'NO_EXECUTE' }] });
    expect(p.version).toBe('1.36.6-gke.1345000');
  });
});
