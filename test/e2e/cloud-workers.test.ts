/**
 * Day-2 workers through the CLI on every cloud, each against its fake in the ksctl subprocess (the
 * fakes' VMs are SSH test hosts, as in test/e2e/{aws,azure,gcp}-selfmanaged.test.ts): create with one
 * worker; `add worker` with a bad or taken `--name` or an ssh-only flag exits 2 and changes nothing;
 * `add worker` creates a VM whose node is Ready through the load balancer; `delete worker` drains it,
 * deletes its node and its VM; SIGKILL right after the VM's create call during `add worker --name`,
 * and the same command again finishes that VM (no second one); delete cluster leaves nothing.
 * Real: the CLI, the cloud SDKs, sshd, HAProxy, kubectl. Stand-ins: the cloud APIs (test/fakes),
 * cloud-init, k3s (air-gap dir), systemctl.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../fakes/aws/fake-aws.js';
import { FakeAzure } from '../fakes/azure/fake-azure.js';
import type { FakeCloud } from '../fakes/build.js';
import { FakeGcp } from '../fakes/gcp/fake-gcp.js';
import { kubectl, type CliResult } from '../helpers/cli.js';
import { cloudE2e, type CloudCluster } from '../helpers/cloud-e2e.js';

const OPERATOR_CIDR = '198.51.100.77/32';
const ipMapOf = (addresses: Record<string, string>) =>
  Object.fromEntries(Object.entries(addresses).map(([n, a]) => [n, { privateIp: a, publicIp: a }]));

/** What the test needs to know of one cloud and its fake. */
interface CloudCase {
  cloud: FakeCloud;
  cluster: string;
  region: string;
  setUp: () => Promise<CloudCluster>;
  ksctl: (args: string[], env: NodeJS.ProcessEnv) => Promise<CliResult>;
  /** Arms a crash right after the next call that creates a VM. */
  armCrashAfterVmCreate(file: string): void;
  /** Op names of the calls that crashed. */
  crashedOps(file: string): string[];
  /** Names of the VMs that exist now. */
  liveVms(file: string): string[];
  /** How many VMs were ever created under `name` (deleted ones included). */
  vmsEverCreated(file: string, name: string): number;
  /** What is left of machine `name`: its VM and what was its alone (AWS: the EBS volume; Azure: NIC and public IP). */
  machineLeftovers(file: string, name: string): string[];
  /** Whether the VM was created to take its boot disk with it when deleted (the fakes keep no disks of Azure and GCP). */
  diskGoesWithVm(file: string, name: string): boolean;
  /** Everything left in the fake cloud. */
  leftovers(file: string): unknown[];
}

/** One cluster per cloud: a load balancer, one control plane (embedded etcd), one worker; two workers join on day 2. */
const shape = [0, 1, 1] as const;
const day2 = (cluster: string) => [`${cluster}-worker-1`, `${cluster}-spare`];

function awsCase(): CloudCase {
  const cluster = 'awsday2';
  const region = 'us-east-1';
  const e = cloudE2e({
    cloud: 'aws',
    region,
    clusters: { [cluster]: shape },
    extraMachines: { [cluster]: day2(cluster) },
    sizes: { loadBalancer: 't3.micro', etcd: 't3.small', controlPlane: 't3.medium', workers: 't3.large' },
    operatorCidr: OPERATOR_CIDR,
    stateEnv: 'KSCTL_FAKE_AWS_STATE',
    saveFake: (file, addresses) => new FakeAws({ clock: 'virtual', config: { ipMap: ipMapOf(addresses) } }).save(file),
  });
  const instances = (file: string) => Object.values(FakeAws.load(file).data.instances);
  return {
    cloud: 'aws',
    cluster,
    region,
    setUp: () => e.setUp(cluster),
    ksctl: e.ksctl,
    armCrashAfterVmCreate: (file) => FakeAws.load(file).crashAt(1, 'after', 'ec2:RunInstances').save(file),
    crashedOps: (file) =>
      FakeAws.load(file)
        .calls.filter((c) => c.outcome === 'crash')
        .map((c) => c.op),
    liveVms: (file) =>
      FakeAws.load(file)
        .inventory()
        .filter((r) => r.kind === 'instance')
        .map((r) => r.tags['Name']!),
    vmsEverCreated: (file, name) => instances(file).filter((x) => x.tags['Name'] === name).length,
    diskGoesWithVm: (file, name) => {
      type Run = {
        TagSpecifications: { Tags: { Key: string; Value: string }[] }[];
        BlockDeviceMappings: { Ebs: { DeleteOnTermination: boolean } }[];
      };
      const runs = FakeAws.load(file)
        .callsOf('ec2:RunInstances')
        .map((c) => c.input as Run)
        .filter((i) => i.TagSpecifications[0]!.Tags.some((t) => t.Key === 'Name' && t.Value === name));
      return runs.length > 0 && runs.every((i) => i.BlockDeviceMappings.every((b) => b.Ebs.DeleteOnTermination));
    },
    machineLeftovers: (file, name) =>
      FakeAws.load(file)
        .inventory()
        .filter((r) => r.tags['ksctl.io/machine'] === name)
        .map((r) => `${r.kind} ${r.id}`),
    leftovers: (file) => FakeAws.load(file).inventory(),
  };
}

function azureCase(): CloudCase {
  const cluster = 'azday2';
  const region = 'eastus';
  const e = cloudE2e({
    cloud: 'azure',
    region,
    clusters: { [cluster]: shape },
    extraMachines: { [cluster]: day2(cluster) },
    sizes: {
      loadBalancer: 'Standard_B1s',
      etcd: 'Standard_B1ms',
      controlPlane: 'Standard_B2s',
      workers: 'Standard_B2ms',
    },
    operatorCidr: OPERATOR_CIDR,
    stateEnv: 'KSCTL_FAKE_AZURE_STATE',
    saveFake: (file, addresses) => new FakeAzure({ config: { ipMap: ipMapOf(addresses) } }).save(file),
  });
  const ofType = (file: string, type: string) =>
    [...FakeAzure.load(file).model.resources.values()].filter((r) => r.type === type);
  return {
    cloud: 'azure',
    cluster,
    region,
    setUp: () => e.setUp(cluster),
    ksctl: e.ksctl,
    armCrashAfterVmCreate: (file) => FakeAzure.load(file).crashAt(1, 'after', 'PUT virtualMachines').save(file),
    crashedOps: (file) =>
      FakeAzure.load(file)
        .calls.filter((c) => c.status === 'crash')
        .map((c) => c.op),
    liveVms: (file) => ofType(file, 'Microsoft.Compute/virtualMachines').map((r) => r.name),
    // A VM is created by its PUT; one that was deleted and made again would show a second PUT.
    vmsEverCreated: (file, name) =>
      FakeAzure.load(file)
        .callsOf('PUT virtualMachines')
        .filter((c) => c.path.split('/').pop() === name).length,
    diskGoesWithVm: (file, name) => {
      const vm = ofType(file, 'Microsoft.Compute/virtualMachines').find((r) => r.name === name);
      return (
        (vm?.properties['storageProfile'] as { osDisk?: { deleteOption?: string } } | undefined)?.osDisk
          ?.deleteOption === 'Delete'
      );
    },
    machineLeftovers: (file, name) =>
      FakeAzure.load(file)
        .inventory()
        .filter((r) => r.id.split('/').pop()?.startsWith(name))
        .map((r) => `${r.kind} ${r.id}`),
    leftovers: (file) => FakeAzure.load(file).inventory(),
  };
}

function gcpCase(): CloudCase {
  const cluster = 'gcpday2';
  const region = 'us-central1';
  const e = cloudE2e({
    cloud: 'gcp',
    region,
    clusters: { [cluster]: shape },
    extraMachines: { [cluster]: day2(cluster) },
    sizes: { loadBalancer: 'e2-micro', etcd: 'e2-small', controlPlane: 'e2-medium', workers: 'e2-standard-2' },
    operatorCidr: OPERATOR_CIDR,
    stateEnv: 'KSCTL_FAKE_GCP_STATE',
    spec: { credentials: { project: 'ksctl-fake-project' } },
    saveFake: (file, addresses) => new FakeGcp({ clock: 'virtual', config: { ipMap: ipMapOf(addresses) } }).save(file),
    env: (sb) => ({ GOOGLE_APPLICATION_CREDENTIALS: path.join(sb.dir, 'no-such-key.json') }),
  });
  return {
    cloud: 'gcp',
    cluster,
    region,
    setUp: () => e.setUp(cluster),
    ksctl: e.ksctl,
    armCrashAfterVmCreate: (file) => FakeGcp.load(file).crashAt(1, 'after', 'instances:insert').save(file),
    crashedOps: (file) =>
      FakeGcp.load(file)
        .calls.filter((c) => c.outcome === 'crash')
        .map((c) => c.op),
    liveVms: (file) => [...FakeGcp.load(file).data.instances.values()].map((x) => String(x.res.name)),
    // An insert the re-run repeated would have been deduplicated by its requestId; the re-run must not even send one.
    vmsEverCreated: (file, name) =>
      FakeGcp.load(file)
        .callsOf('instances:insert')
        .filter((c) => c.input.instanceResource.name === name).length,
    diskGoesWithVm: (file, name) =>
      [...FakeGcp.load(file).data.instances.values()]
        .find((x) => x.res.name === name)
        ?.res.disks?.every((d) => d.autoDelete === true) === true,
    machineLeftovers: (file, name) =>
      [...FakeGcp.load(file).data.instances.values()]
        .filter((x) => x.res.name === name)
        .map((x) => `instance ${String(x.res.name)}`),
    leftovers: (file) => FakeGcp.load(file).inventory(),
  };
}

const CASES = [awsCase(), azureCase(), gcpCase()];

interface ClusterJson {
  phase: string;
  workers: number;
  machines: { name: string; role: string; status: string }[];
}

describe.each(CASES)('$cloud: add worker and delete worker through the CLI', (c) => {
  let e: CloudCluster;
  const name = c.cluster;
  const [added, spare] = day2(name) as [string, string];
  const out = (r: CliResult) => `${r.stdout}\n${r.stderr}\n${e.logTail()}`;
  const stateFile = () => path.join(e.sb.ksctlHome, 'clusters', c.cloud, c.region, name, 'state.json');
  const cluster = async () =>
    JSON.parse((await c.ksctl(['get', 'cluster', name, '-o', 'json'], e.sb.env)).stdout) as ClusterJson;
  /** Node name → Ready condition, listed by kubectl through the load balancer. */
  const nodes = async (): Promise<Record<string, string>> => {
    const r = await kubectl(
      [
        'get',
        'nodes',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
        '--request-timeout',
        '20s',
      ],
      e.sb.env,
    );
    expect(r.code, r.stderr).toBe(0);
    return Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('=') as [string, string]),
    );
  };
  beforeAll(async () => {
    e = await c.setUp();
  });
  afterAll(() => e?.sb.cleanup());

  it('creates the cluster with one worker', async () => {
    const r = await c.ksctl(['create', 'cluster', '-f', e.file], e.sb.env);
    expect(r.code, out(r)).toBe(0);
    expect(c.liveVms(e.cloud).sort()).toEqual([...e.names].sort());
    expect(await nodes()).toEqual({ [`${name}-controlplane-0`]: 'True', [`${name}-worker-0`]: 'True' });
  }, 240_000); // real control planes and kubelets, two shared cores

  it.each([
    [['--name', 'Bad_Name'], /--name: "Bad_Name" is not a DNS label/],
    [['--name', `${name}-controlplane-0`], new RegExp(`already has a machine named "${name}-controlplane-0"`)],
    [['--address', '192.0.2.9'], /--address: for the ssh provider only/],
  ])('add worker %j exits 2 and changes nothing', async (args, message) => {
    const before = { state: readFileSync(stateFile(), 'utf8'), cloud: readFileSync(e.cloud, 'utf8') };
    const r = await c.ksctl(['add', 'worker', name, ...args], e.sb.env);
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(readFileSync(stateFile(), 'utf8')).toBe(before.state);
    expect(readFileSync(e.cloud, 'utf8')).toBe(before.cloud); // not one cloud call
  });

  it('add worker: a new VM joins, Ready through the load balancer, and the spec counts it', async () => {
    const r = await c.ksctl(['add', 'worker', name], e.sb.env);
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toContain(`Added worker ${added} to ${name}.`);
    expect(c.liveVms(e.cloud).sort()).toEqual([...e.names, added].sort());
    expect(c.machineLeftovers(e.cloud, added).length).toBeGreaterThan(0); // what the delete below must remove
    expect(c.diskGoesWithVm(e.cloud, added)).toBe(true);
    expect((await nodes())[added]).toBe('True');
    const d = await cluster();
    expect(d).toMatchObject({ phase: 'ready', workers: 2 });
    expect(d.machines.find((m) => m.name === added)).toMatchObject({ role: 'worker', status: 'bootstrapped' });
  }, 240_000); // real control planes and kubelets, two shared cores

  it('delete worker: drained, its node deleted, its VM gone, the machine out of state', async () => {
    const r = await c.ksctl(['delete', 'worker', name, added], e.sb.env);
    expect(r.code, out(r)).toBe(0);
    expect(Object.keys(await nodes()).sort()).toEqual([`${name}-controlplane-0`, `${name}-worker-0`]);
    expect(c.machineLeftovers(e.cloud, added)).toEqual([]);
    expect(c.liveVms(e.cloud).sort()).toEqual([...e.names].sort());
    const d = await cluster();
    expect(d).toMatchObject({ phase: 'ready', workers: 1 });
    expect(d.machines.map((m) => m.name)).not.toContain(added);
  }, 240_000); // real control planes and kubelets, two shared cores

  it('SIGKILL right after the VM create call of add worker --name; the same command again finishes that VM', async () => {
    c.armCrashAfterVmCreate(e.cloud);
    const first = await c.ksctl(['add', 'worker', name, '--name', spare], e.sb.env);
    expect(first.signal, out(first)).toBe('SIGKILL');
    expect(c.crashedOps(e.cloud)).toHaveLength(1);
    expect(c.liveVms(e.cloud)).toContain(spare); // created; the answer never arrived
    let d = await cluster();
    expect(d.workers).toBe(1); // not counted before it joins
    expect(d.machines.find((m) => m.name === spare)?.status).toBe('pending'); // the intent, written first

    const again = await c.ksctl(['add', 'worker', name, '--name', spare], e.sb.env);
    expect(again.code, out(again)).toBe(0);
    expect(c.vmsEverCreated(e.cloud, spare)).toBe(1);
    expect(c.liveVms(e.cloud).sort()).toEqual([...e.names, spare].sort());
    expect((await nodes())[spare]).toBe('True');
    d = await cluster();
    expect(d).toMatchObject({ phase: 'ready', workers: 2 });
    expect(d.machines.find((m) => m.name === spare)?.status).toBe('bootstrapped');
  }, 240_000); // real control planes and kubelets, two shared cores

  it('delete cluster leaves nothing in the fake cloud', async () => {
    const r = await c.ksctl(['delete', 'cluster', name], e.sb.env);
    expect(r.code, out(r)).toBe(0);
    expect(c.leftovers(e.cloud)).toEqual([]);
  }, 60_000);
});
