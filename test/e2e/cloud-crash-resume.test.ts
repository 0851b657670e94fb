/**
 * SIGKILL right after a cloud's VM create call, then `create` again, on every cloud (one table; each
 * cloud against its fake in the ksctl subprocess, VMs are SSH test hosts as in
 * test/e2e/{aws,azure,gcp}-selfmanaged.test.ts): the re-run converges with one VM per machine (the
 * lost answer's VM found, not made again) and a working cluster; delete leaves nothing.
 * Real: the CLI, the cloud SDKs, sshd, HAProxy, kubectl. Stand-ins: the cloud APIs (test/fakes),
 * cloud-init, k3s (air-gap dir), systemctl.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterLabel, LABEL_CLUSTER, ownedBy } from '../../src/cloud/gcp/naming.js';
import { FakeAws } from '../fakes/aws/fake-aws.js';
import { FakeAzure } from '../fakes/azure/fake-azure.js';
import { FakeGcp } from '../fakes/gcp/fake-gcp.js';
import { gcpSpec } from '../fakes/gcp/world.js';
import type { CliResult } from '../helpers/cli.js';
import { cloudE2e, machineNames, type CloudCluster } from '../helpers/cloud-e2e.js';

const OPERATOR_CIDR = '198.51.100.77/32';
const ipMapOf = (addresses: Record<string, string>) =>
  Object.fromEntries(Object.entries(addresses).map(([n, a]) => [n, { privateIp: a, publicIp: a }]));
/** A load balancer, one control plane (embedded etcd), one worker. */
const SHAPE = [0, 1, 1] as const;

/** Arms the fake in `file` to crash the process right after the first call `op`. */
function armCrash(
  load: (file: string) => { crashAt(n: number, when: 'after', op: string): void; save(file: string): void },
  op: string,
) {
  return (file: string) => {
    const armed = load(file);
    armed.crashAt(1, 'after', op);
    armed.save(file);
  };
}

/** One cloud: how to arm the crash and what its fake must show after the crash and after the re-run. */
interface CrashCase {
  cloud: string;
  cluster: string;
  setUp: () => Promise<CloudCluster>;
  ksctl: (args: string[], env: NodeJS.ProcessEnv) => Promise<CliResult>;
  armCrashAfterVmCreate(file: string): void;
  /** After the SIGKILL: the one crashed call created its VM. */
  expectCrashed(file: string): void;
  /** After the re-run: one VM per machine, each created once. */
  expectConverged(file: string, names: string[]): void;
  leftovers(file: string): unknown[];
}

function awsCase(): CrashCase {
  const cluster = 'awscrash';
  const region = 'us-east-1';
  const clusterKey = `aws/${region}/${cluster}`;
  const e = cloudE2e({
    cloud: 'aws',
    region,
    clusters: { [cluster]: SHAPE },
    sizes: { loadBalancer: 't3.micro', etcd: 't3.small', controlPlane: 't3.medium', workers: 't3.large' },
    operatorCidr: OPERATOR_CIDR,
    stateEnv: 'KSCTL_FAKE_AWS_STATE',
    // Virtual clock (instance start 30 s costs no wall time); every instance gets its test host's address.
    saveFake: (file, addresses) => new FakeAws({ clock: 'virtual', config: { ipMap: ipMapOf(addresses) } }).save(file),
  });
  return {
    cloud: 'aws',
    cluster,
    setUp: () => e.setUp(cluster),
    ksctl: e.ksctl,
    armCrashAfterVmCreate: armCrash((f) => FakeAws.load(f), 'ec2:RunInstances'),
    expectCrashed(file) {
      const crashed = FakeAws.load(file);
      expect(crashed.calls.filter((c) => c.outcome === 'crash').map((c) => c.op)).toEqual(['RunInstances']);
      expect(crashed.counts(clusterKey).instance).toBe(1);
    },
    expectConverged(file, names) {
      const fake = FakeAws.load(file);
      expect(fake.counts(clusterKey)).toMatchObject({ instance: names.length, volume: names.length });
      // No duplicates: exactly one instance (ever) per machine name.
      const byName = Object.values(fake.data.instances)
        .map((x) => x.tags.Name)
        .sort();
      expect(byName).toEqual([...names].sort());
    },
    leftovers: (file) => FakeAws.load(file).inventory(),
  };
}

function azureCase(): CrashCase {
  const cluster = 'azcrash';
  const region = 'eastus';
  const clusterKey = `azure/${region}/${cluster}`;
  const e = cloudE2e({
    cloud: 'azure',
    region,
    clusters: { [cluster]: SHAPE },
    sizes: {
      loadBalancer: 'Standard_B1s',
      etcd: 'Standard_B1ms',
      controlPlane: 'Standard_B2s',
      workers: 'Standard_B2ms',
    },
    operatorCidr: OPERATOR_CIDR,
    stateEnv: 'KSCTL_FAKE_AZURE_STATE',
    // Time advances per request; every machine's public IP and NIC get its test host's address. No
    // subscription in the spec: the preload supplies the fake's, as AZURE_SUBSCRIPTION_ID would.
    saveFake: (file, addresses) => new FakeAzure({ config: { ipMap: ipMapOf(addresses) } }).save(file),
  });
  const vmsOf = (fake: FakeAzure) =>
    [...fake.model.resources.values()].filter((r) => r.type === 'Microsoft.Compute/virtualMachines');
  /** Machine names of the VMs PUT (every create call ever made, across processes). */
  const vmPuts = (fake: FakeAzure) => fake.callsOf('PUT virtualMachines').map((c) => c.path.split('/').pop()!);
  return {
    cloud: 'azure',
    cluster,
    setUp: () => e.setUp(cluster),
    ksctl: e.ksctl,
    armCrashAfterVmCreate: armCrash((f) => FakeAzure.load(f), 'PUT virtualMachines'),
    expectCrashed(file) {
      const crashed = FakeAzure.load(file);
      expect(crashed.calls.filter((c) => c.status === 'crash').map((c) => c.op)).toEqual(['PUT virtualMachines']);
      expect(crashed.counts(clusterKey).virtualMachines).toBe(1);
      expect(crashed.faults.crash).toBeUndefined(); // fired once; the re-run must not crash again
    },
    expectConverged(file, names) {
      const fake = FakeAzure.load(file);
      expect(fake.counts(clusterKey)).toMatchObject({
        publicIPAddresses: names.length,
        networkInterfaces: names.length,
        virtualMachines: names.length,
      });
      // One VM per machine name, and the one created before the crash was waited on, not PUT again.
      expect(
        vmsOf(fake)
          .map((vm) => vm.tags['ksctl.io/machine'])
          .sort(),
      ).toEqual([...names].sort());
      expect(vmPuts(fake).sort()).toEqual([...names].sort());
      expect(vmsOf(fake).every((vm) => fake.booted.has(String(vm.properties['vmId'])))).toBe(true);
    },
    leftovers: (file) => FakeAzure.load(file).inventory(),
  };
}

function gcpCase(): CrashCase {
  const cluster = 'gcpcrash';
  const region = 'us-central1';
  const e = cloudE2e({
    cloud: 'gcp',
    region,
    clusters: { [cluster]: SHAPE },
    sizes: { loadBalancer: 'e2-micro', etcd: 'e2-small', controlPlane: 'e2-medium', workers: 'e2-standard-2' },
    operatorCidr: OPERATOR_CIDR,
    spec: { credentials: { project: 'ksctl-fake-project' } },
    stateEnv: 'KSCTL_FAKE_GCP_STATE',
    // Virtual clock (a 30 s boot costs no wall time); each instance's external and internal IP is its host's.
    saveFake: (file, addresses) => new FakeGcp({ clock: 'virtual', config: { ipMap: ipMapOf(addresses) } }).save(file),
    // Must never be read: the preload removes it (a real key file here would fail the test loudly).
    env: (sb) => ({ GOOGLE_APPLICATION_CREDENTIALS: path.join(sb.dir, 'no-such-key.json') }),
  });
  /** Live instances of the cluster, by label. */
  const instances = (fake: FakeGcp) => {
    const spec = gcpSpec({ name: cluster, region });
    return fake
      .inventory()
      .filter(
        (r) =>
          (r.labels ? r.labels[LABEL_CLUSTER] === clusterLabel(spec) : ownedBy(r.description, spec)) &&
          r.kind === 'instance',
      ).length;
  };
  let lost = '';
  return {
    cloud: 'gcp',
    cluster,
    setUp: () => e.setUp(cluster),
    ksctl: e.ksctl,
    armCrashAfterVmCreate: armCrash((f) => FakeGcp.load(f), 'instances:insert'),
    expectCrashed(file) {
      const crashed = FakeGcp.load(file);
      const crash = crashed.calls.filter((c) => c.outcome === 'crash');
      expect(crash.map((c) => c.op)).toEqual(['instances:insert']);
      expect(instances(crashed)).toBe(1);
      lost = crash[0]!.input.instanceResource.name as string; // took effect; the answer never arrived
    },
    expectConverged(file, names) {
      const fake = FakeGcp.load(file);
      expect(instances(fake)).toBe(names.length);
      // No duplicates: exactly one instance per machine name, and one insert per name ever; the
      // re-run found the lost one by name (its requestId would have deduplicated a second insert).
      expect([...fake.data.instances.values()].map((x) => x.res.name).sort()).toEqual([...names].sort());
      const inserts = fake.callsOf('instances:insert').map((c) => c.input.instanceResource.name as string);
      expect(inserts.sort()).toEqual([...names].sort());
      expect(inserts.filter((n) => n === lost)).toHaveLength(1);
    },
    leftovers: (file) => FakeGcp.load(file).inventory(),
  };
}

const CASES = [awsCase(), azureCase(), gcpCase()];

describe.each(CASES)('$cloud self-managed: SIGKILL right after the VM create call, then create again', (c) => {
  const names = machineNames(c.cluster, SHAPE);
  let e: CloudCluster;
  beforeAll(async () => {
    e = await c.setUp();
  });
  afterAll(() => e?.sb.cleanup());

  it('converges with one VM per machine, each created once, and a working cluster', async () => {
    c.armCrashAfterVmCreate(e.cloud);
    const first = await c.ksctl(['create', 'cluster', '-f', e.file, '--no-switch'], e.sb.env);
    expect(first.signal, `${first.stdout}\n${first.stderr}`).toBe('SIGKILL');
    c.expectCrashed(e.cloud);

    const second = await c.ksctl(['create', 'cluster', '-f', e.file, '--no-switch'], e.sb.env);
    expect(second.code, `${second.stdout}\n${second.stderr}\n${e.logTail()}`).toBe(0);
    c.expectConverged(e.cloud, names);
    const d = JSON.parse((await c.ksctl(['get', 'cluster', c.cluster, '-o', 'json'], e.sb.env)).stdout) as {
      phase: string;
      machines: { status: string }[];
    };
    expect(d.phase).toBe('ready');
    expect(d.machines.every((m) => m.status === 'bootstrapped')).toBe(true);

    const del = await c.ksctl(['delete', 'cluster', c.cluster], e.sb.env);
    expect(del.code, del.stderr).toBe(0);
    expect(c.leftovers(e.cloud)).toEqual([]);
  }, 300_000); // real control planes and kubelets on every machine, two shared cores
});
