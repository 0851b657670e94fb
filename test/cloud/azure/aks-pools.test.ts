/**
 * AKS agent pools carry their pool's labels and taints natively (`nodeLabels`, `nodeTaints` as
 * `key=value:Effect` strings) in the PUT that creates the cluster, through the SDK's serializer to
 * FakeAzure, which checks them as AKS does; two pools make two agent pools beside the system pool.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../src/api/types.js';
import { poolLabelsAndTaints } from '../../../src/cloud/azure/aks.js';
import { runSteps } from '../../contract/run-steps.js';
import { agentPoolRefusal } from '../../fakes/azure/routes.js';
import { azureSpec, managedWorld } from '../../fakes/azure/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';

const spec: ClusterSpec = azureSpec({
  name: 'aksl',
  type: 'managed',
  nodePools: [
    {
      name: 'web',
      count: 2,
      size: 'Standard_D2s_v5',
      spot: false,
      labels: { tier: 'web', 'example.com/team': 'a' },
      taints: [],
    },
    {
      name: 'gpu',
      count: 1,
      size: 'Standard_D4s_v5',
      spot: false,
      labels: {},
      taints: [
        { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' },
        { key: 'dedicated', value: '', effect: 'NoExecute' },
      ],
    },
  ],
});

describe('AKS agent pools with labels and taints', () => {
  it('creates both pools with nodeLabels (and ksctl.io/pool) and kubectl-form nodeTaints, as AKS keeps them', async () => {
    const w = managedWorld(spec);
    const ctx = stepContext(MemoryCluster.create(spec), spec);
    await w.provider().preflight(ctx);
    await runSteps(w.provider().createSteps(spec), ctx);
    const aks = [...w.fake.model.resources.values()].find(
      (r) => r.type === 'Microsoft.ContainerService/managedClusters',
    )!;
    const pools = aks.properties['agentPoolProfiles'] as Record<string, unknown>[];
    expect(pools.map((p) => [p['name'], p['nodeLabels'], p['nodeTaints']])).toEqual([
      ['system', { 'ksctl.io/pool': 'system' }, undefined],
      ['web', { tier: 'web', 'example.com/team': 'a', 'ksctl.io/pool': 'web' }, undefined],
      ['gpu', { 'ksctl.io/pool': 'gpu' }, ['nvidia.com/gpu=true:NoSchedule', 'dedicated:NoExecute']],
    ]);
  });

  it('the fake refuses what AKS refuses (a taint without an effect, an AKS-owned label), and takes what ksctl sends', () => {
    const ours = poolLabelsAndTaints(spec.nodePools[1]!);
    expect(agentPoolRefusal({ agentPoolProfiles: [{ name: 'gpu', ...ours }] })).toBeUndefined();
    const refused = (profile: Record<string, unknown>) =>
      JSON.stringify(agentPoolRefusal({ agentPoolProfiles: [{ name: 'gpu', ...profile }] }));
    expect(refused({ nodeTaints: ['nvidia.com/gpu=true'] })).toMatch(/agentPoolProfile\.nodeTaints is invalid/);
    expect(refused({ nodeTaints: ['a=b:NoRun'] })).toMatch(/agentPoolProfile\.nodeTaints is invalid/);
    expect(refused({ nodeLabels: { 'kubernetes.azure.com/mode': 'x' } })).toMatch(
      /agentPoolProfile\.nodeLabels is invalid/,
    );
  });
});
