import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../src/api/types.js';
import { expectConverged } from '../../contract/provider-contract.js';
import { runSteps } from '../../contract/run-steps.js';
import { awsSpec, managedWorld } from '../../fakes/aws/world.js';
import { MemoryCluster, memoryLogger, stepContext } from '../../fakes/memory-cluster.js';

// No pools unless a test gives them: the node group then comes from spec.workers (as for state written
// before node pools existed), which these tests shape after applyDefaults.
const eksSpec = (o: Partial<ClusterSpec> = {}) =>
  awsSpec({ name: 'prod', type: 'managed', region: 'us-west-2', kubernetesVersion: '1.37', nodePools: [], ...o });

async function createEks(spec: ClusterSpec) {
  const w = managedWorld(spec);
  const cluster = MemoryCluster.create(spec);
  const log = memoryLogger();
  const ctx = stepContext(cluster, spec, { log });
  await w.provider().preflight(ctx);
  await runSteps(w.provider().createSteps(spec), ctx);
  return { w, cluster, ctx, log };
}

describe('AWS EKS provider on FakeAws', () => {
  it("puts the control plane in zones picked by zone ID, never one EKS refuses (this account's us-east-1a is use1-az3)", async () => {
    const spec = eksSpec({
      region: 'us-east-1',
      nodePools: [{ name: 'system', count: 2, size: 't3.large', spot: false, labels: {}, taints: [] }],
    });
    const { w, cluster } = await createEks(spec);
    expectConverged(w, cluster);
    const c = Object.values(w.fake.data.eksClusters)[0]!;
    expect(c.subnetIds.map((id) => w.fake.data.subnets[id]!.az)).toEqual(['us-east-1b', 'us-east-1c', 'us-east-1d']); // use1-az1, az2, az4
    expect(w.fake.callsOf('eks:CreateCluster', 'UnsupportedAvailabilityZoneException')).toEqual([]);
  });

  it('the fake refuses a cluster subnet in an EKS-unsupported zone ID, naming the zones it accepts', async () => {
    const spec = eksSpec({ region: 'us-east-1' });
    const w = managedWorld(spec);
    const ctx = stepContext(MemoryCluster.create(spec), spec);
    // The old choice, by zone name: us-east-1a first.
    w.fake.config.regions.find((r) => r.name === 'us-east-1')!.zoneIds = {
      'us-east-1a': 'use1-az3',
      'us-east-1b': 'use1-az1',
      'us-east-1c': 'use1-az2',
    };
    w.fake.config.regions.find((r) => r.name === 'us-east-1')!.zones = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
    await w.provider().preflight(ctx);
    await runSteps(w.provider().createSteps(spec), ctx);
    const subnets = Object.values(w.fake.data.subnets)
      .map((s) => s.az)
      .sort();
    expect(subnets).toEqual(['us-east-1b', 'us-east-1c']);
    const [ok] = Object.values(w.fake.data.subnets);
    const inAz3 = (await w.fake.dispatch(
      'ec2',
      'CreateSubnet',
      { VpcId: ok!.vpcId, CidrBlock: '10.0.200.0/24', AvailabilityZone: 'us-east-1a' },
      'us-east-1',
    )) as { Subnet: { SubnetId: string } };
    const role = Object.values(w.fake.data.roles).find((r) => r.name.endsWith('-cluster'))!;
    const bad = await w.fake
      .dispatch(
        'eks',
        'CreateCluster',
        {
          name: 'other',
          version: '1.32',
          roleArn: role.arn,
          resourcesVpcConfig: { subnetIds: [ok!.id, inAz3.Subnet.SubnetId] },
        },
        'us-east-1',
      )
      .catch((e: unknown) => e as Error);
    expect((bad as Error).name).toBe('UnsupportedAvailabilityZoneException');
    expect((bad as Error).message).toMatch(/choose from these availability zones: us-east-1b, us-east-1c$/);
  });

  it('creates roles, network, cluster and node groups (SPOT where asked), recorded and tagged', async () => {
    const spec = eksSpec({
      nodePools: [
        { name: 'system', count: 2, size: 't3.large', spot: false, labels: {}, taints: [] },
        { name: 'batch', count: 3, size: 'm7g.large', spot: true, labels: {}, taints: [] },
      ],
    });
    const { w, cluster, log } = await createEks(spec);
    expectConverged(w, cluster);
    const roles = Object.values(w.fake.data.roles);
    expect(
      roles
        .map(
          (r) =>
            `${r.name}:${r.attached
              .map((a) => a.split('/').pop())
              .sort()
              .join(',')}`,
        )
        .sort(),
    ).toEqual([
      'ksctl-prod-us-west-2-cluster:AmazonEKSClusterPolicy',
      'ksctl-prod-us-west-2-node:AmazonEC2ContainerRegistryReadOnly,AmazonEKSWorkerNodePolicy,AmazonEKS_CNI_Policy',
    ]);
    const c = Object.values(w.fake.data.eksClusters)[0]!;
    expect(c).toMatchObject({
      name: 'prod',
      version: '1.37',
      status: 'ACTIVE',
      publicAccessCidrs: ['198.51.100.77/32'],
    });
    expect(new Set(c.subnetIds.map((id) => w.fake.data.subnets[id]!.az)).size).toBe(3);
    const ngs = Object.values(w.fake.data.nodegroups);
    expect(
      ngs
        .map((n) => `${n.name}:${n.capacityType}:${n.instanceTypes.join(',')}:${n.amiType}:${n.scaling.desiredSize}`)
        .sort(),
    ).toEqual(['batch:SPOT:m7g.large:AL2023_ARM_64_STANDARD:3', 'system:ON_DEMAND:t3.large:AL2023_x86_64_STANDARD:2']);
    // The new cluster role was not assumable yet: CreateCluster was retried until IAM caught up.
    expect(w.fake.callsOf('eks:CreateCluster').map((x) => x.outcome)).toContain('InvalidParameterException');
    expect(w.fake.callsOf('eks:CreateCluster', 'ok')).toHaveLength(1);
    expect(log.lines.some((l) => /creating EKS cluster prod/.test(l))).toBe(true);
    // Ten fake minutes of control plane creation report progress about once a minute.
    expect(
      log.lines.filter((l) => /still waiting for EKS cluster prod to become ACTIVE/.test(l)).length,
    ).toBeGreaterThanOrEqual(5);
    expect(Object.keys(cluster.state!.resources).sort()).toEqual([
      'eks/cluster',
      'eks/nodegroup/batch',
      'eks/nodegroup/system',
      'iam/cluster-role',
      'iam/node-role',
      'igw',
      'rtb',
      'subnet/0',
      'subnet/1',
      'subnet/2',
      'vpc',
    ]);
  });

  it('makes one node group from spec.workers when no pools are given', async () => {
    const { w } = await createEks(eksSpec({ workers: { count: 4, size: 't3.large', spot: true } }));
    expect(
      Object.values(w.fake.data.nodegroups).map((n) => `${n.name}:${n.capacityType}:${n.scaling.desiredSize}`),
    ).toEqual(['workers:SPOT:4']);
  });

  it('writes a kubeconfig with the aws eks get-token exec plugin, never a token', async () => {
    const { w, ctx } = await createEks(eksSpec());
    const kc = parse(await w.provider().kubeconfig(ctx));
    const cluster = Object.values(w.fake.data.eksClusters)[0]!;
    expect(kc['current-context']).toBe('prod-us-west-2-managed-aws-ksctl');
    expect(kc.clusters[0].cluster).toEqual({ server: cluster.endpoint, 'certificate-authority-data': cluster.ca });
    expect(kc.users[0].user).toEqual({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'aws',
        args: ['eks', 'get-token', '--cluster-name', 'prod', '--region', 'us-west-2'],
        interactiveMode: 'IfAvailable',
        provideClusterInfo: false,
      },
    });
    expect(JSON.stringify(kc)).not.toMatch(/token"?:/);
  });

  it('passes --profile to get-token when the spec names one', async () => {
    const { w, ctx } = await createEks(eksSpec({ credentials: { profile: 'work' } }));
    const kc = parse(await w.provider().kubeconfig(ctx));
    expect(kc.users[0].user.exec.args.slice(-2)).toEqual(['--profile', 'work']);
  });

  it('scales a node group', async () => {
    const { w, ctx } = await createEks(eksSpec());
    await w.provider().scaleNodePool!(ctx, 'workers', 5);
    expect(Object.values(w.fake.data.nodegroups)[0]!).toMatchObject({
      status: 'ACTIVE',
      scaling: { desiredSize: 5, minSize: 5, maxSize: 5 },
    });
  });

  it('destroys node groups, then the cluster, then roles, then the network; twice is fine', async () => {
    const { w, cluster } = await createEks(
      eksSpec({
        nodePools: [
          { name: 'a', count: 1, size: 't3.large', spot: false, labels: {}, taints: [] },
          { name: 'b', count: 1, size: 't3.large', spot: true, labels: {}, taints: [] },
        ],
      }),
    );
    await w.provider().destroy(stepContext(cluster, w.spec));
    expect(w.fake.inventory()).toEqual([]);
    const order = w.fake
      .mutatingCalls()
      .filter((c) => c.op.startsWith('Delete'))
      .map((c) => c.op);
    const first = (op: string) => order.indexOf(op);
    expect(first('DeleteNodegroup')).toBeLessThan(first('DeleteCluster'));
    expect(first('DeleteCluster')).toBeLessThan(first('DeleteRole'));
    expect(first('DeleteRole')).toBeLessThan(first('DeleteSubnet'));
    expect(cluster.state!.resources).toEqual({});
    const n = w.fake.mutatingCalls().length;
    await w.provider().destroy(stepContext(cluster.reopen(), w.spec));
    expect(w.fake.mutatingCalls().length).toBe(n);
  });

  it('never deletes an IAM role or cluster that is not tagged as its own', async () => {
    const { w, cluster } = await createEks(eksSpec());
    const role = Object.values(w.fake.data.roles).find((r) => r.name.endsWith('-node'))!;
    role.tags = { owner: 'someone-else' };
    await w.provider().destroy(stepContext(cluster, w.spec));
    expect(Object.keys(w.fake.data.roles)).toEqual([role.name]);
    expect(w.fake.callsOf('iam:DeleteRole').length).toBe(1);
  });
});
