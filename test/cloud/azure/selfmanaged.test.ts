import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../src/errors.js';
import { createAzureSelfManaged } from '../../../src/cloud/azure/index.js';
import { archOfVmSize } from '../../../src/cloud/azure/machines.js';
import { FAKE_SUBSCRIPTION, FakeAzure } from '../../fakes/azure/fake-azure.js';
import { azureSpec, selfManagedWorld } from '../../fakes/azure/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';
import { runSteps, selfManagedSteps } from '../../contract/run-steps.js';
import type { SelfManagedCloud } from '../../../src/cloud/types.js';
import type { ClusterSpec } from '../../../src/api/types.js';
import type { WireDoc } from '../../helpers/wire.js';

async function create(p: SelfManagedCloud, spec: ClusterSpec, cluster = MemoryCluster.create(spec)) {
  const ctx = stepContext(cluster, spec);
  await p.preflight(ctx);
  await runSteps(selfManagedSteps(p, spec), ctx);
  return { cluster, ctx };
}

const props = (f: FakeAzure, kind: string, name: string) => {
  const r = [...f.model.resources.values()].find((x) => x.type.endsWith(`/${kind}`) && x.name === name);
  if (!r) throw new Error(`no ${kind} ${name}`);
  return r;
};

describe('Azure self-managed on FakeAzure', () => {
  it('creates the 8-VM HA shape: tagged group, VNet, NSGs and Ubuntu 24.04 VMs with pinned host keys', async () => {
    const spec = azureSpec({ workers: { count: 1, size: 'Standard_B2ms', spot: true } });
    const w = selfManagedWorld(spec);
    const { cluster } = await create(w.provider(), spec);
    const inv = w.fake.inventory();
    expect(inv.filter((r) => r.kind === 'virtualMachines')).toHaveLength(8);
    expect(inv.every((r) => r.tags['ksctl.io/cluster'] === 'azure/eastus/demo' && r.tags['ksctl.io/resource'])).toBe(
      true,
    );
    expect(inv.find((r) => r.kind === 'resourceGroups')?.id).toBe(
      `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/ksctl-demo-eastus`,
    );

    const vm = props(w.fake, 'virtualMachines', 'demo-worker-0').properties as WireDoc;
    expect(vm.storageProfile.imageReference).toMatchObject({
      publisher: 'Canonical',
      offer: 'ubuntu-24_04-lts',
      sku: 'server',
    });
    expect(vm.osProfile.linuxConfiguration.disablePasswordAuthentication).toBe(true);
    const sshKey = await cluster.secrets.get('ssh/id_ed25519');
    expect(sshKey).toMatch(/PRIVATE KEY/);
    expect(vm.osProfile.linuxConfiguration.ssh.publicKeys[0].keyData).toMatch(/^ssh-ed25519 AAAA/);
    expect(vm.priority).toBe('Spot');
    expect(vm.evictionPolicy).toBe('Delete');
    const userData = Buffer.from(vm.osProfile.customData, 'base64').toString();
    const machine = cluster.state!.machines['demo-worker-0']!;
    expect(userData).toContain(`ed25519_public: ${machine.hostKeys[0]}`);
    expect(userData).toContain('ssh_deletekeys: true');
    expect(machine).toMatchObject({ sshUser: 'ubuntu', status: 'running', spot: true });
    // The kubelet's --provider-id: cloud-provider-azure's `azure://` + the VM's resource id.
    expect(machine.nodeProviderId).toBe(
      `azure:///subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/ksctl-demo-eastus/providers/Microsoft.Compute/virtualMachines/demo-worker-0`,
    );
    expect(machine.nodeProviderId).toBe(`azure://${machine.providerId}`);
    expect(machine.publicAddress).toMatch(/^20\.1\./);
    expect(machine.privateAddress).toMatch(/^10\.0\.0\./);
    expect(props(w.fake, 'virtualMachines', 'demo-controlplane-0').properties['priority']).toBeUndefined();
    const pip = props(w.fake, 'publicIPAddresses', 'demo-worker-0-ip');
    expect(pip.extra['sku']).toEqual({ name: 'Standard' });
    expect(pip.properties['publicIPAllocationMethod']).toBe('Static');
    const vnet = props(w.fake, 'virtualNetworks', 'ksctl-demo-vnet').properties as WireDoc;
    expect(vnet.addressSpace.addressPrefixes).toEqual(['10.0.0.0/16']);
    expect(vnet.subnets.map((x: WireDoc) => [x.name, x.properties.addressPrefix])).toEqual([['nodes', '10.0.0.0/20']]);
    expect(Object.keys(cluster.state!.resources).sort()).toContain('vm/demo-worker-0');
  });

  it('Arm sizes (a `p` in the features: Standard_D2ps_v5) boot the arm64 Ubuntu image, the others x64', async () => {
    expect(
      [
        'Standard_D2ps_v5',
        'Standard_E4pds_v6',
        'Standard_B2pts_v2',
        'Standard_D2s_v5',
        'Standard_B2ms',
        'Standard_NP10s',
        'Standard_M8-2ms',
      ].map(archOfVmSize),
    ).toEqual(['arm64', 'arm64', 'arm64', 'amd64', 'amd64', 'amd64', 'amd64']);
    const spec = azureSpec({ name: 'armw', workers: { count: 2, size: 'Standard_D2ps_v5', spot: false } });
    const w = selfManagedWorld(spec);
    const ctx = stepContext(MemoryCluster.create(spec), spec);
    const p = w.provider();
    await p.preflight(ctx);
    await runSteps(selfManagedSteps(p, spec), ctx);
    const vms = [...w.fake.model.resources.values()].filter((r) => r.type === 'Microsoft.Compute/virtualMachines');
    expect(vms).toHaveLength(9);
    for (const vm of vms) {
      const size = (vm.properties['hardwareProfile'] as { vmSize: string }).vmSize;
      const sku = (vm.properties['storageProfile'] as { imageReference: { sku: string } }).imageReference.sku;
      expect(sku, vm.name).toBe(size === 'Standard_D2ps_v5' ? 'server-arm64' : 'server');
    }
  });

  it('opens SSH and the API only to the operator; roles reach each other by ASG, the rest of the VNet is denied', async () => {
    const spec = azureSpec({ network: { cidr: '10.0.0.0/16', allowCidrs: ['198.51.100.0/24'] } });
    const w = selfManagedWorld(spec);
    await create(w.provider(), spec);
    const rules = props(w.fake, 'networkSecurityGroups', 'ksctl-demo-loadbalancer-nsg').properties['securityRules'] as {
      properties: WireDoc;
    }[];
    const byPort = (port: string) => rules.map((r) => r.properties).filter((r) => r.destinationPortRange === port);
    expect(byPort('22').map((r) => r.sourceAddressPrefix)).toEqual(['198.51.100.0/24']);
    expect(
      byPort('6443').map((r) => r.sourceAddressPrefix ?? r.sourceApplicationSecurityGroups[0].id.split('/').pop()),
    ).toEqual(['198.51.100.0/24', 'ksctl-demo-controlplane-asg', 'ksctl-demo-worker-asg']);
    expect(rules.map((r) => r.properties).find((r) => r.access === 'Deny')).toMatchObject({
      sourceAddressPrefix: 'VirtualNetwork',
      priority: 4000,
    });
    const nic = props(w.fake, 'networkInterfaces', 'demo-etcd-0-nic').properties as WireDoc;
    expect(nic.networkSecurityGroup.id).toMatch(/ksctl-demo-etcd-nsg$/);
    expect(nic.ipConfigurations[0].properties.applicationSecurityGroups[0].id).toMatch(/ksctl-demo-etcd-asg$/);
  });

  it('updates the NSGs when the operator CIDR changes, and only them', async () => {
    const spec = azureSpec({ name: 'moved' });
    const w = selfManagedWorld(spec);
    const { cluster } = await create(w.provider(), spec);
    const before = w.fake.mutatingCalls().length;
    const moved = { ...spec, network: { cidr: spec.network.cidr, allowCidrs: ['192.0.2.0/28'] } };
    await create(w.provider(), moved, cluster.reopen());
    expect(
      w.fake
        .mutatingCalls()
        .slice(before)
        .map((c) => c.op),
    ).toEqual(Array(4).fill('PUT networkSecurityGroups'));
    const rules = props(w.fake, 'networkSecurityGroups', 'ksctl-moved-worker-nsg').properties['securityRules'] as {
      properties: Record<string, unknown>;
    }[];
    expect(
      rules
        .filter((r) => r.properties['destinationPortRange'] === '22')
        .map((r) => r.properties['sourceAddressPrefix']),
    ).toEqual(['192.0.2.0/28']);
  });

  it('goes through the SDK pipeline: 429s retried after Retry-After, long-running operations polled', async () => {
    const spec = azureSpec({ name: 'thr' });
    const w = selfManagedWorld(spec);
    w.fake.throttle(0.3, 11);
    await create(w.provider(), spec);
    expect(w.fake.calls.filter((c) => c.status === 429).length).toBeGreaterThan(10);
    expect(w.fake.callsOf('GET operations').length).toBeGreaterThan(20);
    expect(w.fake.inventory().filter((r) => r.kind === 'virtualMachines')).toHaveLength(8);
  });

  it('fails a step on an injected ARM error and converges on the next run', async () => {
    const spec = azureSpec({ name: 'flaky' });
    const w = selfManagedWorld(spec);
    w.fake.failNth('PUT virtualMachines', 2, 409, 'OperationNotAllowed', 'quota changed');
    const cluster = MemoryCluster.create(spec);
    await expect(create(w.provider(), spec, cluster)).rejects.toThrow(/quota changed/);
    await create(w.provider(), spec, cluster.reopen());
    expect(w.fake.inventory().filter((r) => r.kind === 'virtualMachines')).toHaveLength(8);
  });

  it("a VM whose provisioning ends Failed fails its step with ARM's error; the next run PUTs it again", async () => {
    const spec = azureSpec({ name: 'provfail' });
    const w = selfManagedWorld(spec);
    w.fake.failOperation(
      'PUT virtualMachines',
      3,
      'OSProvisioningTimedOut',
      'OS Provisioning for VM did not finish in the allotted time',
    );
    const cluster = MemoryCluster.create(spec);
    await expect(create(w.provider(), spec, cluster)).rejects.toThrow(/OS Provisioning for VM did not finish/);
    expect(w.fake.inventory().filter((r) => r.kind === 'virtualMachines' && r.state === 'Failed')).toHaveLength(1);
    await create(w.provider(), spec, cluster.reopen());
    const vms = w.fake.inventory().filter((r) => r.kind === 'virtualMachines');
    expect(vms.map((r) => r.state)).toEqual(Array(8).fill('Succeeded'));
    expect(w.fake.callsOf('PUT virtualMachines')).toHaveLength(9);
  });

  it('deletes one machine VM → NIC → IP; the fake refuses a NIC still attached to a VM', async () => {
    const spec = azureSpec({ name: 'scale' });
    const w = selfManagedWorld(spec);
    const { cluster, ctx } = await create(w.provider(), spec);
    const nic = props(w.fake, 'networkInterfaces', 'scale-worker-0-nic');
    const res = await w.fake.sendRequest({
      method: 'DELETE',
      url: `https://management.azure.com${nic.id}?api-version=2024-05-01`,
    } as never);
    expect(res.status).toBe(400);
    expect(res.bodyAsText).toMatch(/NicInUse/);
    await w.provider().deleteMachine(ctx, cluster.state!.machines['scale-worker-0']!);
    expect(w.fake.inventory().filter((r) => r.id.includes('scale-worker-0'))).toEqual([]);
    expect(cluster.state!.machines['scale-worker-0']).toBeDefined(); // the manager forgets it, with the spec's count
    expect(Object.keys(cluster.state!.resources).filter((k) => k.includes('scale-worker-0'))).toEqual([]);
  });

  it('never uses or deletes a resource group ksctl did not create', async () => {
    const spec = azureSpec({ name: 'theirs' });
    const w = selfManagedWorld(spec);
    const gid = `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/ksctl-theirs-eastus`;
    w.fake.model.resources.set(gid.toLowerCase(), {
      id: gid,
      type: 'resourceGroups',
      name: 'ksctl-theirs-eastus',
      group: 'ksctl-theirs-eastus',
      location: 'eastus',
      tags: { owner: 'someone-else' },
      extra: {},
      properties: {},
      state: 'Succeeded',
    });
    const cluster = MemoryCluster.create(spec);
    await expect(w.provider().destroy(stepContext(cluster, spec))).rejects.toBeInstanceOf(ConflictError);
    await expect(create(w.provider(), spec, cluster.reopen())).rejects.toThrow(/was not created by ksctl/);
    expect(w.fake.mutatingCalls()).toEqual([]);
    expect(w.fake.model.get(gid)).toBeDefined();
  });

  it('stops waiting on a long-running operation when the step is aborted', async () => {
    const spec = azureSpec({ name: 'abort' });
    const w = selfManagedWorld(spec);
    w.fake.config.latencies['PUT virtualNetworks'] = 1e12;
    const ac = new AbortController();
    const cluster = MemoryCluster.create(spec);
    const ctx = stepContext(cluster, spec, { signal: ac.signal });
    const steps = w.provider().infraSteps(spec);
    await steps.find((s) => s.id === 'infra/group')!.run(ctx);
    const run = steps.find((s) => s.id === 'infra/network')!.run(ctx);
    setTimeout(() => ac.abort(new Error('interrupted by test')), 50);
    await expect(run).rejects.toThrow('interrupted by test');
    // It was waiting: the VNets of the group listed again and again (src/cloud/azure/provisioning-watch.ts).
    expect(w.fake.callsOf('GET virtualNetworks').length).toBeGreaterThan(2);
  });

  it("gives up on a long-running operation after the runtime's bound, with a clear error", async () => {
    const spec = azureSpec({ name: 'slow' });
    const fake = new FakeAzure();
    fake.config.latencies['PUT virtualNetworks'] = 1e12;
    const p = createAzureSelfManaged({ runtime: { ...fake.runtime(), lroTimeoutMs: 100 } });
    const ctx = stepContext(MemoryCluster.create(spec), spec);
    const steps = p.infraSteps(spec);
    await steps.find((s) => s.id === 'infra/group')!.run(ctx);
    await expect(steps.find((s) => s.id === 'infra/network')!.run(ctx)).rejects.toThrow(/did not finish within 0 s/);
  });

  it('treats a group that is already gone as deleted', async () => {
    const spec = azureSpec({ name: 'gone' });
    const w = selfManagedWorld(spec);
    await w.provider().destroy(stepContext(MemoryCluster.create(spec), spec));
    expect(w.fake.mutatingCalls()).toEqual([]);
  });
});
