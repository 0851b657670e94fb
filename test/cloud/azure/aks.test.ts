import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../src/api/types.js';
import type { ManagedCloud } from '../../../src/cloud/types.js';
import { InputError } from '../../../src/errors.js';
import { azureSpec, managedWorld } from '../../fakes/azure/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';
import { runSteps } from '../../contract/run-steps.js';

const aksSpec = (o: Partial<ClusterSpec> = {}) =>
  azureSpec({
    name: 'aks',
    type: 'managed',
    nodePools: [
      { name: 'general', count: 2, size: 'Standard_D2s_v5', spot: false, labels: {}, taints: [] },
      { name: 'Spot_Pool', count: 3, size: 'Standard_D4s_v5', spot: true, labels: {}, taints: [] },
    ],
    ...o,
  });

async function create(p: ManagedCloud, spec: ClusterSpec, cluster = MemoryCluster.create(spec)) {
  const ctx = stepContext(cluster, spec);
  await p.preflight(ctx);
  await runSteps(p.createSteps(spec), ctx);
  return { cluster, ctx };
}

describe('AKS on FakeAzure', () => {
  it("creates one cluster with a system pool and the spec's pools (spot: Spot + Delete), and returns its kubeconfig", async () => {
    const w = managedWorld(aksSpec());
    const { cluster, ctx } = await create(w.provider(), w.spec);
    const aks = [...w.fake.model.resources.values()].find(
      (r) => r.type === 'Microsoft.ContainerService/managedClusters',
    )!;
    expect(aks.name).toBe('ksctl-aks');
    expect(aks.tags['ksctl.io/cluster']).toBe('azure/eastus/aks');
    expect(aks.properties['enableRBAC']).toBe(true); // on the wire, not only in ksctl's body
    const pools = aks.properties['agentPoolProfiles'] as Record<string, unknown>[];
    expect(pools.map((p) => [p['name'], p['mode'], p['count'], p['vmSize']])).toEqual([
      ['system', 'System', 1, 'Standard_B2s'],
      ['general', 'User', 2, 'Standard_D2s_v5'],
      ['spotpool', 'User', 3, 'Standard_D4s_v5'],
    ]);
    expect(pools[2]).toMatchObject({ scaleSetPriority: 'Spot', scaleSetEvictionPolicy: 'Delete', spotMaxPrice: -1 });
    expect(pools[1]!['scaleSetPriority']).toBeUndefined();
    expect(aks.properties['kubernetesVersion']).toBe('1.36');
    expect(aks.extra['identity']).toEqual({ type: 'SystemAssigned' });
    expect(aks.properties['dnsPrefix']).toBe('ksctl-aks');
    // The API admits only network.allowCidrs (here: the operator's address), as EKS and GKE do at create.
    const access = aks.properties['apiServerAccessProfile'] as { authorizedIPRanges: string[] };
    expect(access.authorizedIPRanges).toHaveLength(1);
    expect(access.authorizedIPRanges[0]).toMatch(/^\d+\.\d+\.\d+\.\d+\/32$/);
    expect(w.fake.callsOf('GET operations').length).toBeGreaterThan(5);
    expect(
      Object.values(cluster.state!.resources)
        .map((r) => r.kind)
        .sort(),
    ).toEqual(['azure:aks-cluster', 'azure:resource-group']);

    const kc = await w.provider().kubeconfig(ctx);
    expect(kc).toContain('server: https://ksctl-aks-abc123.hcp.eastus.azmk8s.io:443');
    expect(w.fake.callsOf('POST listClusterUserCredential')).toHaveLength(1);

    await w.provider().destroy(ctx);
    expect(w.fake.inventory()).toEqual([]);
    expect(cluster.state!.resources).toEqual({});
  });

  it('after a crash right after the cluster PUT, a re-run waits for the create in progress instead of a refused PUT', async () => {
    const w = managedWorld(aksSpec({ name: 'resume' }));
    w.fake.crashAt(2, 'after');
    const cluster = MemoryCluster.create(w.spec);
    w.fake.onCrash = () => cluster.freeze();
    await expect(create(w.provider(), w.spec, cluster)).rejects.toThrow(/simulated crash/);
    w.fake.clearFaults();
    await create(w.provider(), w.spec, cluster.reopen());
    expect(w.fake.callsOf('PUT managedClusters')).toHaveLength(1);
    expect(w.fake.calls.filter((c) => c.status === 409)).toEqual([]);
    expect(w.fake.inventory().find((r) => r.kind === 'managedClusters')?.state).toBe('Succeeded');
  });

  it.each([
    [
      'a minor AKS does not offer',
      '1.31',
      /AKS in eastus does not offer Kubernetes 1\.31/,
      /available: 1\.37, 1\.36, 1\.35/,
    ],
    ['a patch AKS does not offer', '1.36.1', /does not offer Kubernetes 1\.36\.1/, /1\.36 patches: 1\.36\.6, 1\.36\.4/],
    ['a preview version', '1.38', /does not offer Kubernetes 1\.38/, /available: 1\.37, 1\.36, 1\.35/],
  ])('rejects %s before any mutating call', async (_n, version, message, hint) => {
    const w = managedWorld(aksSpec({ kubernetesVersion: version }));
    const err = await w
      .provider()
      .preflight(stepContext(MemoryCluster.create(w.spec), w.spec))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
    expect((err as InputError).hint).toMatch(hint);
    expect(w.fake.mutatingCalls()).toEqual([]);
  });

  it('accepts a patch version AKS offers, and pools from spec.workers when no nodePools are given', async () => {
    const w = managedWorld(
      aksSpec({
        kubernetesVersion: '1.36.4',
        nodePools: [],
        workers: { count: 2, size: 'Standard_B2ms', spot: false },
      }),
    );
    await create(w.provider(), w.spec);
    const aks = [...w.fake.model.resources.values()].find((r) => r.type.endsWith('managedClusters'))!;
    expect((aks.properties['agentPoolProfiles'] as { name: string }[]).map((p) => p.name)).toEqual([
      'system',
      'workers',
    ]);
  });

  it('rejects pool names that collide once made AKS-safe, with no call', async () => {
    const w = managedWorld(
      aksSpec({
        nodePools: [
          { name: 'gen-1', count: 1, size: 'Standard_B2s', spot: false, labels: {}, taints: [] },
          { name: 'gen_1', count: 1, size: 'Standard_B2s', spot: false, labels: {}, taints: [] },
        ],
      }),
    );
    await expect(w.provider().preflight(stepContext(MemoryCluster.create(w.spec), w.spec))).rejects.toThrow(
      /node pool name "gen_1" is taken/,
    );
    expect(w.fake.calls).toEqual([]);
  });
});
