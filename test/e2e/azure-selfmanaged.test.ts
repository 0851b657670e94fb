/**
 * `ksctl create cluster` on Azure (self-managed HA k3s) end to end through the CLI, against the
 * FakeAzure stand-in in the ksctl subprocess (test/fakes/azure/install.ts preload), where the fake's
 * VMs ARE SSH test hosts (test/hosts): FakeAzure gives each machine's public IP and NIC the address
 * of a host (config.ipMap) and, when the VM's create operation succeeds, the cloud-init STAND-IN
 * (test/fakes/common/cloud-init-standin.ts) does on that host what cloud-init would do with the
 * custom data: install the ksctl-generated host key into sshd and create the admin user `ubuntu`
 * with the VM's SSH key. So create runs the whole pipeline: resource group → network → machines →
 * bootstrap over SSH → kubeconfig. Day 2 on the same cluster: `backup create|list|restore` to Azure
 * Blob on Azurite (test/helpers/cloud-backup.ts), `certs check`.
 * Real: the CLI, the Azure SDKs (serialisation, retry and LRO polling policies), sshd, HAProxy,
 * etcd (TLS), kubectl, Azurite. Stand-ins: ARM (FakeAzure, time advancing per request), cloud-init, k3s
 * (air-gap dir), systemctl.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SUBSCRIPTION, FakeAzure } from '../fakes/azure/fake-azure.js';
import { contextName } from '../../src/kubeconfig/naming.js';
import { kubectl } from '../helpers/cli.js';
import { azuriteStore, expectBackupRoundTrip, type CloudStore } from '../helpers/cloud-backup.js';
import {
  cloudE2e,
  expectSwitchThroughLb,
  expectVmsAreTheirHosts,
  machineNames,
  type CloudCluster,
} from '../helpers/cloud-e2e.js';

const REGION = 'eastus';

/** The clusters of this file: [etcd, control planes, workers]. */
const CLUSTERS = { azha: [3, 3, 2] } as const;

const { setUp, ksctl: ksctlAzure } = cloudE2e({
  cloud: 'azure',
  region: REGION,
  clusters: CLUSTERS,
  sizes: {
    loadBalancer: 'Standard_B1s',
    etcd: 'Standard_B1ms',
    controlPlane: 'Standard_B2s',
    workers: 'Standard_B2ms',
  },
  operatorCidr: '198.51.100.77/32',
  stateEnv: 'KSCTL_FAKE_AZURE_STATE',
  // Time advances per request (a VM's 8 s cost a few polls); every machine's public IP and NIC get
  // its test host's address. No subscription in the spec: the preload supplies the fake's, as
  // AZURE_SUBSCRIPTION_ID would.
  saveFake: (file, addresses) =>
    new FakeAzure({
      config: {
        ipMap: Object.fromEntries(Object.entries(addresses).map(([n, a]) => [n, { privateIp: a, publicIp: a }])),
      },
    }).save(file),
});

const clusterKey = (name: string) => `azure/${REGION}/${name}`;
const groupId = (name: string) => `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/ksctl-${name}-${REGION}`;
const vmsOf = (fake: FakeAzure) =>
  [...fake.model.resources.values()].filter((r) => r.type === 'Microsoft.Compute/virtualMachines');
/** Machine names of the VMs PUT (every create call ever made, across processes). */
const vmPuts = (fake: FakeAzure) => fake.callsOf('PUT virtualMachines').map((c) => c.path.split('/').pop()!);

describe('azure self-managed through the CLI, VMs are SSH test hosts', () => {
  const name = 'azha';
  const names = machineNames(name, CLUSTERS[name]); // 9 machines: LB, 3 etcd, 3 control planes, 2 workers
  let e: CloudCluster;
  let store: Promise<CloudStore>;
  beforeAll(async () => {
    store = azuriteStore(); // starts while the cluster is made; awaited by the backup test
    store.catch(() => undefined);
    e = await setUp(name);
  });
  afterAll(async () => {
    await (await store?.catch(() => undefined))?.stop();
    e?.sb.cleanup();
  });

  it('creates the HA cluster: tagged resource group, network, 9 VMs, bootstrap over SSH, kubeconfig', async () => {
    const r = await ksctlAzure(['create', 'cluster', '-f', e.file], e.sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${e.logTail()}`).toBe(0);
    expect(r.stdout).toContain(`Cluster ${name} is ready`);
    expect(r.stderr).not.toMatch(/Warning/); // e.g. Node's MaxListenersExceededWarning
    const fake = FakeAzure.load(e.cloud);
    expect(fake.counts(clusterKey(name))).toEqual({
      resourceGroups: 1,
      virtualNetworks: 1,
      applicationSecurityGroups: 4,
      networkSecurityGroups: 4,
      publicIPAddresses: names.length,
      networkInterfaces: names.length,
      virtualMachines: names.length,
    });
    expect(fake.model.get(groupId(name))).toMatchObject({
      location: REGION,
      tags: { 'ksctl.io/cluster': clusterKey(name), 'ksctl.io/role': 'cluster', 'ksctl.io/resource': 'resource-group' },
    });
    // Every VM booted through the cloud-init stand-in, on its own test host, and was created once.
    expect(vmsOf(fake).every((vm) => fake.booted.has(String(vm.properties['vmId'])))).toBe(true);
    expect(vmPuts(fake).sort()).toEqual([...names].sort());
  }, 300_000); // real control planes and kubelets on every machine, two shared cores

  it('each VM is its test host: the pinned host key is the one sshd presents, ubuntu logs in with the VM key', async () => {
    const vm = vmsOf(FakeAzure.load(e.cloud)).find((x) => x.name === names[0])!;
    const os = vm.properties['osProfile'] as {
      adminUsername: string;
      linuxConfiguration: { ssh: { publicKeys: { keyData: string }[] } };
    };
    expect(os.adminUsername).toBe('ubuntu');
    await expectVmsAreTheirHosts(e, ksctlAzure, os.linuxConfiguration.ssh.publicKeys[0]!.keyData);
  });

  it('switch: the context server is the load balancer, and kubectl lists the nodes through it', async () => {
    await expectSwitchThroughLb(e, ksctlAzure, 'azure', REGION);
  });

  it('get cluster -o json shows the Azure resources and every machine with its addresses', async () => {
    const r = await ksctlAzure(['get', 'cluster', name, '-o', 'json'], e.sb.env);
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
    const fake = FakeAzure.load(e.cloud);
    for (const [i, n] of names.entries()) {
      const m = d.machines.find((x) => x.name === n)!;
      expect(m).toMatchObject({
        status: 'bootstrapped',
        publicAddress: e.set.hosts[i]!.address,
        privateAddress: e.set.hosts[i]!.address,
      });
      expect(fake.model.get(m.providerId)?.tags['ksctl.io/machine']).toBe(n);
    }
    const kinds = Object.values(d.resources).map((x) => x.kind);
    for (const k of [
      'azure:resource-group',
      'azure:virtual-network',
      'azure:application-security-group',
      'azure:network-security-group',
    ])
      expect(kinds).toContain(k);
    for (const k of ['azure:public-ip', 'azure:network-interface', 'azure:virtual-machine'])
      expect(kinds.filter((x) => x === k)).toHaveLength(names.length);
    expect(d.steps.every((s) => s.status === 'done')).toBe(true);
    expect(r.stdout).not.toContain('PRIVATE KEY');
  });

  it("backs up to Azure Blob (Azurite) and restores over the VMs' SSH (ubuntu, sudo): the API serves the backed-up state", async () => {
    await expectBackupRoundTrip(e, ksctlAzure, {
      provider: 'azure',
      region: REGION,
      store: await store,
      cloudCalls: () => FakeAzure.load(e.cloud).calls.length,
    });
  }, 240_000);

  it('delete cluster deletes the resource group and leaves nothing in the fake cloud', async () => {
    const r = await ksctlAzure(['delete', 'cluster', name], e.sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const fake = FakeAzure.load(e.cloud);
    expect(fake.inventory()).toEqual([]);
    expect(fake.model.get(groupId(name))).toBeUndefined();
    expect(fake.callsOf('DELETE resourceGroups').map((c) => c.status)).toEqual([202]);
    expect((await kubectl(['config', 'get-contexts', '-o', 'name'], e.sb.env)).stdout).not.toContain(
      contextName({ provider: 'azure', region: REGION, name }),
    );
  }, 30_000);
});
