/**
 * EKS node groups carry their pool's labels and taints natively (CreateNodegroup `labels`, `taints`
 * with EKS's effect names), checked by FakeAws as EKS checks them; two pools make two node groups.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterSpec, NodePoolSpec } from '../../../src/api/types.js';
import { nodePools } from '../../../src/cloud/aws/eks/nodegroups.js';
import { InputError } from '../../../src/errors.js';
import { expectConverged } from '../../contract/provider-contract.js';
import { runSteps } from '../../contract/run-steps.js';
import { awsSpec, managedWorld } from '../../fakes/aws/world.js';
import { takeModelProblems } from '../../fakes/common/model-problems.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';

const pool = (o: Partial<NodePoolSpec> & { name: string }): NodePoolSpec => ({
  count: 2,
  size: 't3.large',
  spot: false,
  labels: {},
  taints: [],
  ...o,
});
const eksSpec = (nodePools: NodePoolSpec[]): ClusterSpec =>
  awsSpec({ name: 'pools', type: 'managed', region: 'us-west-2', kubernetesVersion: '1.37', nodePools });

describe('EKS node groups with labels and taints', () => {
  it('creates both pools, each with its labels, taints (EKS effect names), bounds and ksctl.io/pool', async () => {
    const spec = eksSpec([
      pool({ name: 'general', count: 3, min: 2, max: 6, labels: { tier: 'web' } }),
      pool({
        name: 'gpu',
        count: 1,
        size: 'm7g.large',
        labels: { 'example.com/gpu': 'true' },
        taints: [
          { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' },
          { key: 'dedicated', value: '', effect: 'NoExecute' },
          { key: 'x', value: 'y', effect: 'PreferNoSchedule' },
        ],
      }),
    ]);
    const w = managedWorld(spec);
    const cluster = MemoryCluster.create(spec);
    const ctx = stepContext(cluster, spec);
    await w.provider().preflight(ctx);
    await runSteps(w.provider().createSteps(spec), ctx);
    expectConverged(w, cluster);

    const sent = w.fake.callsOf('eks:CreateNodegroup', 'ok').map((c) => c.input as Record<string, unknown>);
    expect(sent.map((i) => i['nodegroupName']).sort()).toEqual(['general', 'gpu']);
    const gpu = sent.find((i) => i['nodegroupName'] === 'gpu')!;
    expect(gpu['labels']).toEqual({ 'example.com/gpu': 'true', 'ksctl.io/pool': 'gpu' });
    expect(gpu['taints']).toEqual([
      { key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' },
      { key: 'dedicated', effect: 'NO_EXECUTE' },
      { key: 'x', value: 'y', effect: 'PREFER_NO_SCHEDULE' },
    ]);
    const general = sent.find((i) => i['nodegroupName'] === 'general')!;
    expect(general['taints']).toBeUndefined();
    expect(general['scalingConfig']).toEqual({ minSize: 2, maxSize: 6, desiredSize: 3 });
    // What EKS keeps is what was asked.
    const kept = Object.values(w.fake.data.nodegroups).find((n) => n.name === 'gpu')!;
    expect(kept.labels).toEqual({ 'example.com/gpu': 'true', 'ksctl.io/pool': 'gpu' });
    expect(kept.taints.map((t) => t.effect)).toEqual(['NO_SCHEDULE', 'NO_EXECUTE', 'PREFER_NO_SCHEDULE']);

    // The fake refuses what EKS refuses: its model (botocore's) for the effect and the lengths, its
    // own rule for a taint without a key. A request the model refuses fails the test that sent it
    // unless the test takes the report, as this one does.
    const like = { clusterName: 'pools', nodeRole: kept.nodeRole, subnets: kept.subnets };
    const outcome = (input: Record<string, unknown>) =>
      w.fake.dispatch('eks', 'CreateNodegroup', { ...like, ...input }, 'us-west-2').then(
        () => 'ok',
        (e: Error) => `${e.name}: ${e.message}`,
      );
    expect(await outcome({ nodegroupName: 'bad1', taints: [{ key: 'k', effect: 'NoSchedule' }] })).toMatch(
      /InvalidParameterException: .*taints\[0\]\.effect: "NoSchedule" is not one of TaintEffect/,
    );
    expect(await outcome({ nodegroupName: 'bad2', labels: { team: '' } })).toMatch(
      /InvalidParameterException: .*labels\.team: length 0 is below the minimum 1/,
    );
    expect(await outcome({ nodegroupName: 'bad3', labels: { [`${'a'.repeat(64)}`]: 'x' } })).toMatch(
      /InvalidParameterException: .*labels key a{64}: length 64 is above the maximum 63/,
    );
    expect(takeModelProblems().map((p) => p.op)).toEqual(Array(3).fill('eks:CreateNodegroup'));
    expect(await outcome({ nodegroupName: 'bad4', taints: [{ value: 'v', effect: 'NO_SCHEDULE' }] })).toMatch(
      /InvalidParameterException: Taint key must be between 1 and 63 characters/,
    );
  });

  it('refuses before any call what EKS would: a label key over 63 characters, an empty label value', () => {
    const long = `${'a'.repeat(60)}.io/team`;
    expect(() => nodePools(eksSpec([pool({ name: 'a', labels: { [long]: 'x' } })]))).toThrow(InputError);
    expect(() => nodePools(eksSpec([pool({ name: 'a', labels: { [long]: 'x' } })]))).toThrow(
      /at most 63 characters, prefix included/,
    );
    expect(() => nodePools(eksSpec([pool({ name: 'a', labels: { team: '' } })]))).toThrow(
      /spec\.nodePools\[0\]\.labels\.team: EKS refuses empty label values/,
    );
  });
});
