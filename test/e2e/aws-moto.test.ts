/**
 * AWS self-managed create → get → delete through the real CLI and the real AWS SDK, over HTTP, against
 * moto (PyPI: an AWS emulator nobody here wrote), as a check of our own FakeAws. The SDK finds moto
 * through AWS_ENDPOINT_URL, which SDK v3 itself honours; the credentials are fake and the sandbox has
 * no ~/.aws, so no real account is reachable. moto's instances have no SSH, so create runs the
 * infrastructure (network, firewall, key pair, instances) and fails, as it should, waiting for SSH;
 * delete must then leave nothing of the cluster in moto. Where moto and FakeAws disagree,
 * test/fakes/aws/README.md says which one AWS agrees with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeKeyPairsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import { stringify } from 'yaml';
import { ksctl, sandbox, type Sandbox } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { awsSpec, selfManagedWorld } from '../fakes/aws/world.js';
import { createSelfManaged } from '../cloud/aws/helpers.js';

const REGION = 'us-east-1';
const NAME = 'motoha';
const KEY = `aws/${REGION}/${NAME}`;
const SHAPE = {
  etcd: { count: 3, size: 't3.small' },
  controlPlane: { count: 1, size: 't3.medium' },
  workers: { count: 1, size: 't3.large', spot: false },
  loadBalancer: { size: 't3.micro' },
};
const MACHINES = [
  `${NAME}-controlplane-0`,
  `${NAME}-etcd-0`,
  `${NAME}-etcd-1`,
  `${NAME}-etcd-2`,
  `${NAME}-loadbalancer-0`,
  `${NAME}-worker-0`,
];

let moto: Moto;
let sb: Sandbox;
let ec2: EC2Client;
let file: string;

/**
 * Everything in moto tagged with the cluster, by kind; terminated instances count as gone (AWS too lists
 * them for a while).
 */
async function inventory(): Promise<Record<string, string[]>> {
  const f: Filter[] = [{ Name: `tag:ksctl.io/cluster`, Values: [KEY] }];
  const instances =
    (await ec2.send(new DescribeInstancesCommand({ Filters: f }))).Reservations?.flatMap((r) => r.Instances ?? []) ??
    [];
  return {
    vpc: ((await ec2.send(new DescribeVpcsCommand({ Filters: f }))).Vpcs ?? []).map((x) => x.VpcId!),
    subnet: ((await ec2.send(new DescribeSubnetsCommand({ Filters: f }))).Subnets ?? []).map((x) => x.SubnetId!),
    'internet-gateway': (
      (await ec2.send(new DescribeInternetGatewaysCommand({ Filters: f }))).InternetGateways ?? []
    ).map((x) => x.InternetGatewayId!),
    'route-table': ((await ec2.send(new DescribeRouteTablesCommand({ Filters: f }))).RouteTables ?? []).map(
      (x) => x.RouteTableId!,
    ),
    'security-group': ((await ec2.send(new DescribeSecurityGroupsCommand({ Filters: f }))).SecurityGroups ?? []).map(
      (x) => x.GroupId!,
    ),
    'key-pair': ((await ec2.send(new DescribeKeyPairsCommand({ Filters: f }))).KeyPairs ?? []).map((x) => x.KeyPairId!),
    instance: instances.filter((i) => i.State?.Name !== 'terminated').map((i) => i.InstanceId!),
    volume: ((await ec2.send(new DescribeVolumesCommand({ Filters: f }))).Volumes ?? []).map((x) => x.VolumeId!),
  };
}
const counts = (inv: Record<string, string[]>) =>
  Object.fromEntries(Object.entries(inv).map(([k, v]) => [k, v.length]));

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // as ksctl's own clients do
  moto = await startMoto(REGION);
  const fake = { accessKeyId: 'AKIAMOTOTESTFAKE0000', secretAccessKey: 'moto-test-secret-not-a-credential' };
  ec2 = new EC2Client({ region: REGION, endpoint: moto.endpoint, credentials: fake });
  sb = sandbox({
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: fake.accessKeyId,
    AWS_SECRET_ACCESS_KEY: fake.secretAccessKey,
    // No shared config or credentials files (the sandbox HOME has none either), no instance metadata.
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    KSCTL_SSH_WAIT_SECONDS: '1',
  });
  file = path.join(sb.dir, 'cluster.yaml');
  const spec = {
    provider: 'aws',
    type: 'selfmanaged',
    region: REGION,
    distribution: 'k3s',
    kubernetesVersion: '1.36',
    ...SHAPE,
    network: { allowCidrs: ['198.51.100.77/32'] },
  };
  writeFileSync(file, stringify({ apiVersion: 'ksctl.io/v1alpha1', kind: 'Cluster', metadata: { name: NAME }, spec }));
});
afterAll(async () => {
  ec2?.destroy();
  sb?.cleanup();
  await moto?.stop();
});

describe(`aws self-managed against moto`, () => {
  it('create builds the network, firewall, key pair and instances in moto, then stops at SSH', async () => {
    const r = await ksctl(['create', 'cluster', '-f', file], sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${moto.log().slice(-2000)}`).toBe(1);
    expect(r.stderr).toMatch(/did not answer SSH within 1s/);
    // moto has no EC2 quotas (test/fakes/aws/README.md): ksctl says so and goes on without its vCPU check.
    expect(r.stderr).toMatch(/cannot read EC2 quota L-1216C47A; skipping the vCPU check/);
    for (const step of [
      'Create VPC, subnets, internet gateway and routes',
      'Create SSH key pair',
      'Create security groups',
    ])
      expect(r.stderr).toMatch(new RegExp(`done +${step}`));
    expect(counts(await inventory())).toEqual({
      vpc: 1,
      subnet: 3,
      'internet-gateway': 1,
      'route-table': 1,
      'security-group': 4,
      'key-pair': 1,
      instance: 6,
      volume: 6,
    });

    const instances = (
      await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:ksctl.io/cluster', Values: [KEY] }] }))
    ).Reservations!.flatMap((x) => x.Instances!);
    const tag = (i: (typeof instances)[number], k: string) => i.Tags?.find((t) => t.Key === k)?.Value;
    expect(instances.map((i) => tag(i, 'ksctl.io/machine')).sort()).toEqual(MACHINES);
    for (const i of instances) {
      expect(i.ImageId, 'the Ubuntu AMI from the SSM parameter').toBe(moto.ubuntuAmi);
      expect(i.KeyName).toBe(`ksctl-${NAME}`);
      expect(i.MetadataOptions?.HttpTokens).toBe('required');
    }
    const lbGroup = (
      await ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'tag:ksctl.io/cluster', Values: [KEY] },
            { Name: 'tag:ksctl.io/role', Values: ['loadbalancer'] },
          ],
        }),
      )
    ).SecurityGroups![0]!;
    const open = lbGroup
      .IpPermissions!.filter((p) => p.IpRanges?.length)
      .map((p) => `${p.FromPort}:${p.IpRanges!.map((x) => x.CidrIp).join(',')}`);
    expect(open.sort()).toEqual(['22:198.51.100.77/32', '6443:198.51.100.77/32']);
  });

  it('get shows the failed cluster with every machine and resource, the same ones FakeAws records for the spec', async () => {
    const r = await ksctl(['get', 'cluster', NAME, '-o', 'json'], sb.env);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as {
      phase: string;
      machines: { name: string; providerId: string }[];
      resources: Record<string, { kind: string; id: string }>;
    };
    expect(d.phase).toBe('failed');
    expect(d.machines.map((m) => m.name).sort()).toEqual(MACHINES);
    const inv = await inventory();
    expect(d.machines.map((m) => m.providerId).sort()).toEqual([...inv.instance!].sort());
    for (const res of Object.values(d.resources))
      expect(Object.values(inv).flat(), `${res.kind} ${res.id}`).toContain(res.id);

    const w = selfManagedWorld(
      awsSpec({ name: NAME, ...SHAPE, network: { cidr: '10.0.0.0/16', allowCidrs: ['198.51.100.77/32'] } }),
    );
    const { cluster } = await createSelfManaged(w.provider(), w.spec);
    expect(Object.keys(d.resources).sort()).toEqual(Object.keys(cluster.state!.resources).sort());
  });

  it('delete removes everything tagged with the cluster from moto', async () => {
    const r = await ksctl(['delete', 'cluster', NAME, '-y'], sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const left = await inventory();
    // moto 5.2.6's DeleteKeyPair reads only KeyName and answers success to a KeyPairId (test/fakes/aws/README.md):
    // the one leftover is that key pair, which real EC2 deletes.
    expect(counts(left)).toEqual({
      vpc: 0,
      subnet: 0,
      'internet-gateway': 0,
      'route-table': 0,
      'security-group': 0,
      'key-pair': 1,
      instance: 0,
      volume: 0,
    });
    const kp = (await ec2.send(new DescribeKeyPairsCommand({ KeyPairIds: left['key-pair'] }))).KeyPairs![0]!;
    expect(kp.KeyName).toBe(`ksctl-${NAME}`);
    expect((await ksctl(['get', 'clusters', '-o', 'json'], sb.env)).stdout).not.toContain(NAME);
  });
});
