/**
 * `ksctl create cluster` on AWS (self-managed HA k3s) end to end through the CLI, against the FakeAws
 * stand-in in the ksctl subprocess (test/fakes/aws/install.ts preload), where the fake's EC2
 * instances ARE SSH test hosts (test/hosts): FakeAws gives each instance the address of a host
 * (config.ipMap) and, when the instance reaches `running`, the cloud-init STAND-IN
 * (test/fakes/common/cloud-init-standin.ts) does on that host what cloud-init would do with the user
 * data: install the ksctl-generated host key into sshd and create `ubuntu` with the cluster's key pair.
 * So create runs the whole pipeline: network → machines → bootstrap over SSH → kubeconfig. Day 2 on
 * the same cluster: `backup create|list|restore` to S3 on moto's server (test/helpers/cloud-backup.ts),
 * `certs check`.
 * Real: the CLI, the AWS SDK (serialisation, retries), sshd, HAProxy, etcd (TLS), kubectl, moto's S3.
 * Stand-ins: the AWS APIs (FakeAws, virtual clock), cloud-init, k3s (air-gap dir), systemctl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../fakes/aws/fake-aws.js';
import { contextName } from '../../src/kubeconfig/naming.js';
import { kubectl } from '../helpers/cli.js';
import { expectBackupRoundTrip, motoStore, type CloudStore } from '../helpers/cloud-backup.js';
import { AWS_E2E } from '../helpers/aws-e2e.js';
import {
  cloudE2e,
  expectSwitchThroughLb,
  expectVmsAreTheirHosts,
  machineNames,
  type CloudCluster,
} from '../helpers/cloud-e2e.js';

const REGION = 'us-east-1';

/** The clusters of this file: [etcd, control planes, workers (the default pool)]. */
const CLUSTERS = { awsha: [3, 3, 1] } as const;
/** A second node pool of another size, tainted: its machine is named by the pool. */
const GPU_POOL = {
  name: 'gpu',
  count: 1,
  size: 'm5.large',
  labels: { 'example.com/accel': 'gpu' },
  taints: ['example.com/gpu=true:NoSchedule'],
};

const { setUp, ksctl: ksctlAws } = cloudE2e({
  ...AWS_E2E,
  region: REGION,
  clusters: CLUSTERS,
  extraMachines: { awsha: ['awsha-gpu-0'] },
  spec: { nodePools: [{ name: 'default', count: 1, size: 't3.large' }, GPU_POOL] },
});

const clusterKey = (name: string) => `aws/${REGION}/${name}`;

describe('aws self-managed through the CLI, instances are SSH test hosts', () => {
  const name = 'awsha';
  // 9 machines: LB, 3 etcd, 3 control planes, a worker of the default pool and one of the gpu pool.
  const names = [...machineNames(name, CLUSTERS[name]), 'awsha-gpu-0'];
  let e: CloudCluster;
  let store: Promise<CloudStore>;
  beforeAll(async () => {
    store = motoStore(REGION); // starts while the cluster is made; awaited by the backup test
    store.catch(() => undefined);
    e = await setUp(name);
  });
  afterAll(async () => {
    await (await store?.catch(() => undefined))?.stop();
    e?.sb.cleanup();
  });

  it('creates the HA cluster: network, 9 instances, bootstrap over SSH, kubeconfig', async () => {
    const r = await ksctlAws(['create', 'cluster', '-f', e.file], e.sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${e.logTail()}`).toBe(0);
    expect(r.stdout).toContain(`Cluster ${name} is ready`);
    expect(r.stderr).not.toMatch(/Warning/); // e.g. Node's MaxListenersExceededWarning
    const fake = FakeAws.load(e.cloud);
    expect(fake.counts(clusterKey(name))).toEqual({
      vpc: 1,
      subnet: 3,
      'internet-gateway': 1,
      'route-table': 1,
      'security-group': 4,
      'key-pair': 1,
      instance: names.length,
      volume: names.length,
    });
    // Every instance booted through the cloud-init stand-in, on its own test host.
    expect(Object.values(fake.data.instances).every((x) => x.booted)).toBe(true);
  }, 300_000); // real control planes and kubelets on every machine, two shared cores

  it("creates each pool's instances with its size, records the pool, and the nodes register with its labels and taints", async () => {
    const fake = FakeAws.load(e.cloud);
    const typeOf = (n: string) => Object.values(fake.data.instances).find((x) => x.tags.Name === n)?.type;
    expect(typeOf('awsha-worker-0')).toBe('t3.large');
    expect(typeOf('awsha-gpu-0')).toBe('m5.large');
    const d = JSON.parse((await ksctlAws(['get', 'cluster', name, '-o', 'json'], e.sb.env)).stdout) as {
      machines: { name: string; role: string; pool?: string; size?: string; nodeProviderId?: string }[];
    };
    const workers = d.machines.filter((m) => m.role === 'worker').map((m) => `${m.name} ${m.pool} ${m.size}`);
    expect(workers.sort()).toEqual(['awsha-gpu-0 gpu m5.large', 'awsha-worker-0 default t3.large']);
    const nodes = await kubectl(
      [
        'get',
        'nodes',
        'awsha-worker-0',
        'awsha-gpu-0',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name} {.metadata.labels.ksctl\\.io/pool} {.metadata.labels.example\\.com/accel} {.spec.taints[*].key} {.spec.providerID}{"\\n"}{end}',
        '--request-timeout',
        '20s',
      ],
      e.sb.env,
    );
    expect(nodes.code, nodes.stderr).toBe(0);
    const gpuId = d.machines.find((m) => m.name === 'awsha-gpu-0')!.nodeProviderId!;
    expect(gpuId).toMatch(/^aws:\/\/\/us-east-1[a-f]\/i-/);
    expect(nodes.stdout.trim().split('\n').sort()).toEqual([
      `awsha-gpu-0 gpu gpu example.com/gpu ${gpuId}`,
      `awsha-worker-0 default   ${d.machines.find((m) => m.name === 'awsha-worker-0')!.nodeProviderId!}`,
    ]);
  });

  it('each instance is its test host: the pinned host key is the one sshd presents, ubuntu logs in with the cluster key', async () => {
    const keyPair = Object.values(FakeAws.load(e.cloud).data.keyPairs).find(
      (k) => k.tags['ksctl.io/cluster'] === clusterKey(name),
    )!;
    await expectVmsAreTheirHosts(e, ksctlAws, keyPair.publicKey);
  });

  it('switch: the context server is the load balancer, and kubectl lists the nodes through it', async () => {
    await expectSwitchThroughLb(e, ksctlAws, 'aws', REGION, ['awsha-gpu-0']);
  });

  it('get cluster -o json shows the AWS resources and every machine with its addresses', async () => {
    const r = await ksctlAws(['get', 'cluster', name, '-o', 'json'], e.sb.env);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as {
      phase: string;
      machines: {
        name: string;
        role: string;
        status: string;
        providerId: string;
        publicAddress: string;
        privateAddress: string;
      }[];
      resources: Record<string, { kind: string; id: string }>;
      steps: { id: string; status: string }[];
    };
    expect(d.phase).toBe('ready');
    expect(d.machines.map((m) => m.name).sort()).toEqual([...names].sort());
    const fake = FakeAws.load(e.cloud);
    for (const [i, n] of names.entries()) {
      const m = d.machines.find((x) => x.name === n)!;
      expect(m).toMatchObject({
        status: 'bootstrapped',
        publicAddress: e.set.hosts[i]!.address,
        privateAddress: e.set.hosts[i]!.address,
      });
      expect(fake.data.instances[m.providerId]?.tags.Name).toBe(n);
    }
    const kinds = Object.values(d.resources).map((x) => x.kind);
    for (const k of [
      'aws:vpc',
      'aws:subnet',
      'aws:internet-gateway',
      'aws:route-table',
      'aws:security-group',
      'aws:key-pair',
    ])
      expect(kinds).toContain(k);
    expect(kinds.filter((k) => k === 'aws:instance')).toHaveLength(names.length);
    expect(d.steps.every((s) => s.status === 'done')).toBe(true);
    expect(r.stdout).not.toContain('PRIVATE KEY');
  });

  it("backs up to S3 (moto) and restores over the instances' SSH (ubuntu, sudo): the API serves the backed-up state", async () => {
    const s3 = await store;
    // The preload's fake env credentials are what the SDK's default chain finds (moto takes any).
    const credentials = [...s3.credentials, 'fake/secret/for/ksctl/tests'];
    await expectBackupRoundTrip(e, ksctlAws, {
      provider: 'aws',
      region: REGION,
      store: { ...s3, credentials },
      cloudCalls: () => FakeAws.load(e.cloud).calls.length,
    });
  }, 240_000);

  it('delete cluster leaves nothing in the fake cloud', async () => {
    const r = await ksctlAws(['delete', 'cluster', name], e.sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const fake = FakeAws.load(e.cloud);
    expect(fake.inventory()).toEqual([]);
    expect(Object.values(fake.data.instances).every((x) => x.state === 'terminated')).toBe(true);
    expect((await kubectl(['config', 'get-contexts', '-o', 'name'], e.sb.env)).stdout).not.toContain(
      contextName({ provider: 'aws', region: REGION, name }),
    );
  }, 30_000);
});
