import { describe, expect, it } from 'vitest';
import type { ClusterSpec } from '../../../src/api/types.js';
import { ConflictError, InputError, type KsctlError, PrerequisiteError } from '../../../src/errors.js';
import type { FakeAws } from '../../fakes/aws/fake-aws.js';
import { awsSpec, managedWorld, selfManagedWorld } from '../../fakes/aws/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';
import { createSelfManaged } from './helpers.js';

type ErrorClass = abstract new (...args: never[]) => KsctlError;
type Case = [string, Partial<ClusterSpec>, ((f: FakeAws) => void) | undefined, ErrorClass, RegExp, string[]?];

const selfManagedCases: Case[] = [
  [
    'a region AWS does not have',
    { region: 'mars-1' },
    undefined,
    InputError,
    /AWS has no region "mars-1"/,
    ['spec.region'],
  ],
  [
    'a region not enabled for the account',
    { region: 'ap-east-1' },
    undefined,
    InputError,
    /not enabled for this account/,
    ['spec.region'],
  ],
  [
    'an instance type the region does not offer',
    { region: 'eu-west-1', workers: { count: 1, size: 'p5.48xlarge', spot: false } },
    undefined,
    InputError,
    /not offered in eu-west-1: p5\.48xlarge/,
    ['spec.workers.size'],
  ],
  [
    'an instance type that does not exist',
    { controlPlane: { count: 3, size: 'z9.huge' } },
    undefined,
    InputError,
    /z9\.huge/,
    ['spec.controlPlane.size'],
  ],
  [
    'an on-demand vCPU quota too small',
    {},
    (f) => (f.config.quotas['us-east-1'] = { onDemand: 8, spot: 64 }),
    InputError,
    /16 on-demand vCPUs .* L-1216C47A is 8/,
  ],
  [
    'a spot vCPU quota too small',
    { workers: { count: 3, size: 'c5.4xlarge', spot: true } },
    (f) => (f.config.quotas['us-east-1'] = { onDemand: 64, spot: 32 }),
    InputError,
    /48 spot vCPUs .* L-34B43A08 is 32/,
  ],
  [
    'no operator address and no allowCidrs',
    {},
    (f) => (f.operatorIp = undefined),
    InputError,
    /could not find your public IP/,
    ['spec.network.allowCidrs'],
  ],
  [
    'an allowCidrs entry that is not a CIDR',
    { network: { cidr: '10.0.0.0/16', allowCidrs: ['my-laptop'] } },
    undefined,
    InputError,
    /not a CIDR: my-laptop/,
    ['spec.network.allowCidrs'],
  ],
  [
    'a VPC range that is too large',
    { network: { cidr: '10.0.0.0/8', allowCidrs: [] } },
    undefined,
    InputError,
    /between \/16 and \/24/,
    ['spec.network.cidr'],
  ],
  [
    'missing credentials',
    {},
    (f) => (f.faults.credentials = 'missing'),
    PrerequisiteError,
    /^AWS credentials not found: set AWS_PROFILE or run 'aws sso login'$/,
  ],
  [
    'missing credentials for a profile',
    { credentials: { profile: 'work' } },
    (f) => (f.faults.credentials = 'missing'),
    PrerequisiteError,
    /^AWS credentials not found for profile "work": .*aws sso login --profile work/,
  ],
  [
    'expired credentials',
    {},
    (f) => (f.faults.credentials = 'expired'),
    PrerequisiteError,
    /^AWS credentials have expired: run 'aws sso login'/,
  ],
];

describe('AWS self-managed preflight', () => {
  it.each(selfManagedCases)(
    'rejects %s before any mutating call',
    async (_name, overrides, arrange, type, message, fields) => {
      const w = selfManagedWorld(awsSpec(overrides));
      arrange?.(w.fake);
      const err = await w
        .provider()
        .preflight(stepContext(MemoryCluster.create(w.spec), w.spec))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
      if (fields) expect((err as InputError).fields).toEqual(fields);
      expect(w.fake.mutatingCalls()).toEqual([]);
    },
  );

  it("counts other instances in the region against the quota, but not the cluster's own", async () => {
    const w = selfManagedWorld(awsSpec());
    w.fake.config.quotas['us-east-1'] = { onDemand: 20, spot: 20 };
    await createSelfManaged(
      w.provider(),
      awsSpec({ name: 'neighbour', network: { cidr: '10.7.0.0/16', allowCidrs: [] } }),
    );
    // The neighbour runs 16 vCPUs; ours needs 16 more: 32 > 20.
    await expect(w.provider().preflight(stepContext(MemoryCluster.create(w.spec), w.spec))).rejects.toThrow(
      /16 in use/,
    );
    // Our own cluster, once created, does not block its own re-run.
    w.fake.config.quotas['us-east-1'] = { onDemand: 40, spot: 20 };
    const { cluster } = await createSelfManaged(w.provider(), w.spec);
    w.fake.config.quotas['us-east-1'] = { onDemand: 32, spot: 20 };
    await expect(w.provider().preflight(stepContext(cluster, w.spec))).resolves.toBeUndefined();
  });

  it('passes a valid spec with reads only, asking the home region about regions', async () => {
    const w = selfManagedWorld(awsSpec({ region: 'eu-west-1' }));
    await w.provider().preflight(stepContext(MemoryCluster.create(w.spec), w.spec));
    expect(w.fake.mutatingCalls()).toEqual([]);
    expect(w.fake.callsOf('ec2:DescribeRegions').map((c) => c.region)).toEqual(['us-east-1']);
    expect(w.fake.callsOf('ssm:GetParameter').map((c) => c.region)).toEqual(['eu-west-1']);
  });
});

const eks = (o: Partial<ClusterSpec> = {}) => awsSpec({ type: 'managed', ...o });

describe('AWS EKS preflight', () => {
  it.each<Case>([
    [
      'a Kubernetes version EKS does not offer',
      { kubernetesVersion: '1.27' },
      undefined,
      InputError,
      /does not offer Kubernetes 1\.27/,
      ['spec.kubernetesVersion'],
    ],
    [
      'an IPv6-only API allow list',
      { network: { cidr: '10.0.0.0/16', allowCidrs: ['2001:db8::/48'] } },
      undefined,
      InputError,
      /IPv4/,
      ['spec.network.allowCidrs'],
    ],
    [
      'a region with one usable zone',
      { region: 'eu-central-1' },
      (f) => (f.config.regions.find((r) => r.name === 'eu-central-1')!.zones = ['eu-central-1a']),
      InputError,
      /two zones/,
    ],
    [
      'a bad node pool name',
      { nodePools: [{ name: 'no spaces', count: 1, size: 't3.large', spot: false, labels: {}, taints: [] }] },
      undefined,
      InputError,
      /node pool name/,
      ['spec.nodePools[0].name'],
    ],
    [
      'a node pool size not offered',
      {
        region: 'eu-west-1',
        nodePools: [{ name: 'gpu', count: 1, size: 'p5.48xlarge', spot: false, labels: {}, taints: [] }],
      },
      undefined,
      InputError,
      /p5\.48xlarge/,
      ['spec.nodePools[0].size'],
    ],
  ])('rejects %s before any mutating call', async (_n, overrides, arrange, type, message, fields) => {
    const w = managedWorld(eks(overrides));
    arrange?.(w.fake);
    const err = await w
      .provider()
      .preflight(stepContext(MemoryCluster.create(w.spec), w.spec))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
    if (fields) expect((err as InputError).fields).toEqual(fields);
    expect(w.fake.mutatingCalls()).toEqual([]);
  });

  it('refuses a name taken by an EKS cluster ksctl did not create', async () => {
    const w = managedWorld(eks());
    const other = managedWorld(eks());
    Object.assign(other.fake, { data: w.fake.data }); // same account
    const { runSteps } = await import('../../contract/run-steps.js');
    const foreign = stepContext(MemoryCluster.create(w.spec), w.spec);
    await runSteps(other.provider().createSteps(w.spec), foreign);
    for (const c of Object.values(w.fake.data.eksClusters)) c.tags = {};
    const before = w.fake.mutatingCalls().length;
    await expect(w.provider().preflight(stepContext(MemoryCluster.create(w.spec), w.spec))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(w.fake.mutatingCalls().length).toBe(before);
  });
});
