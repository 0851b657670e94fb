/** FakeAzure's own machinery: persistence (mid-flight, faults armed), ipMap, the boot hook, clock mode. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../aws/clock.js';
import { bootingVmOf } from './cloud-init.js';
import { ARM, FAKE_SUBSCRIPTION, FakeAzure, isSimulatedCrash } from './fake-azure.js';
import type { ArmRes, Json } from './model.js';

const dir = mkdtempSync(join(tmpdir(), 'ksctl-fake-azure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const G = `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/g`;
const id = (type: string, name: string) => `${G}/providers/${type}/${name}`;
const PIP = (n: string) => id('Microsoft.Network/publicIPAddresses', n);
const NIC = (n: string) => id('Microsoft.Network/networkInterfaces', n);
const VNET = id('Microsoft.Network/virtualNetworks', 'vnet');
const VM = (n: string) => id('Microsoft.Compute/virtualMachines', n);

async function send(
  fake: FakeAzure,
  method: string,
  path: string,
  body?: Json,
): Promise<{ status: number; body: Json }> {
  const req = createPipelineRequest({
    url: `${ARM}${path}?api-version=2024-01-01`,
    method: method as 'GET',
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const res = await fake.sendRequest(req);
  return { status: res.status, body: res.bodyAsText ? (JSON.parse(res.bodyAsText) as Json) : {} };
}

const state = async (fake: FakeAzure, path: string) =>
  ((await send(fake, 'GET', path)).body['properties'] as Json | undefined)?.['provisioningState'];

/** A group, a VNet, and for each machine a public IP, a NIC and (optionally) a VM, as ksctl PUTs them. */
async function machines(fake: FakeAzure, names: string[], opts: { vm?: boolean; tags?: boolean } = {}): Promise<void> {
  await send(fake, 'PUT', G, { location: 'eastus' });
  await send(fake, 'PUT', VNET, {
    location: 'eastus',
    properties: {
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      subnets: [{ name: 'nodes', properties: { addressPrefix: '10.0.0.0/20' } }],
    },
  });
  for (const n of names) {
    const tags = opts.tags === false ? {} : { 'ksctl.io/machine': n };
    await send(fake, 'PUT', PIP(`${n}-ip`), { location: 'eastus', tags, properties: {} });
    await send(fake, 'PUT', NIC(`${n}-nic`), {
      location: 'eastus',
      tags,
      properties: {
        ipConfigurations: [
          {
            name: 'primary',
            properties: { subnet: { id: `${VNET}/subnets/nodes` }, publicIPAddress: { id: PIP(`${n}-ip`) } },
          },
        ],
      },
    });
    if (opts.vm === false) continue;
    await send(fake, 'PUT', VM(n), {
      location: 'eastus',
      tags,
      properties: {
        hardwareProfile: { vmSize: 'Standard_B2s' },
        storageProfile: {
          imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' },
        },
        osProfile: {
          adminUsername: 'ubuntu',
          customData: Buffer.from('#cloud-config\nssh_deletekeys: true\n').toString('base64'),
          linuxConfiguration: {
            ssh: { publicKeys: [{ path: '/home/ubuntu/.ssh/authorized_keys', keyData: `ssh-ed25519 AAAA${n}` }] },
          },
        },
        networkProfile: { networkInterfaces: [{ id: NIC(`${n}-nic`), properties: { primary: true } }] },
      },
    });
  }
}

describe('FakeAzure persistence', () => {
  it('round-trips a cloud in flight: operations finish, time and counters continue, calls and boots are kept', async () => {
    const fake = new FakeAzure();
    await machines(fake, ['a']);
    expect(await state(fake, VM('a'))).toBe('Creating');
    fake.booted.add('vm-booted-earlier');
    const path = join(dir, 'inflight.json');
    fake.save(path);

    const loaded = FakeAzure.load(path);
    expect(loaded.now).toBe(fake.now);
    expect(loaded.calls).toEqual(fake.calls);
    expect(loaded.booted.has('vm-booted-earlier')).toBe(true);
    expect(loaded.model.get(VM('a'))?.state).toBe('Creating');
    for (let i = 0; i < 10; i++) await send(loaded, 'GET', G); // 10 s of fake time: the VM's 8 s pass
    expect(await state(loaded, VM('a'))).toBe('Succeeded');
    // Computed ids and addresses continue where the first process stopped.
    await machines(loaded, ['b'], { vm: false });
    const ip = (f: FakeAzure, n: string) => f.model.get(PIP(`${n}-ip`))!.properties['ipAddress'];
    expect(ip(loaded, 'b')).not.toBe(ip(loaded, 'a'));
    await send(loaded, 'DELETE', G);
    for (let i = 0; i < 12; i++) await send(loaded, 'GET', `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups`);
    expect(loaded.inventory()).toEqual([]);
  });

  it('an armed crash, a failNth and an operation failure survive save/load', async () => {
    const fake = new FakeAzure();
    await machines(fake, ['a'], { vm: false });
    fake
      .crashAt(2, 'after', 'PUT publicIPAddresses')
      .failNth('GET networkInterfaces', 2, 503, 'ServerBusy')
      .failOperation('PUT networkInterfaces', 1, 'InternalServerError');
    await send(fake, 'PUT', PIP('x-ip'), { location: 'eastus', properties: {} }); // 1st counted PUT: no crash yet
    const path = join(dir, 'armed.json');
    fake.save(path);

    const loaded = FakeAzure.load(path);
    let crashed = 0;
    loaded.onCrash = () => void crashed++;
    await expect(send(loaded, 'PUT', PIP('y-ip'), { location: 'eastus', properties: {} })).rejects.toSatisfy(
      isSimulatedCrash,
    );
    expect(crashed).toBe(1);
    expect(loaded.model.get(PIP('y-ip'))).toBeDefined(); // "after": the call took effect
    loaded.clearFaults();
    const reloaded = FakeAzure.load(path);
    reloaded.faults.crash = undefined; // that one was proven above
    expect((await send(reloaded, 'GET', NIC('a-nic'))).status).toBe(200);
    expect((await send(reloaded, 'GET', NIC('a-nic'))).status).toBe(503);
    await machines(reloaded, ['c'], { vm: false });
    for (let i = 0; i < 4; i++) await send(reloaded, 'GET', G);
    expect(await state(reloaded, NIC('c-nic'))).toBe('Failed');
  });
});

describe('FakeAzure ipMap and boot hook', () => {
  it("a machine's public IP and NIC get its test host's addresses, by tag or by name", async () => {
    const fake = new FakeAzure({
      config: { ipMap: { a: { publicIp: '10.9.0.1', privateIp: '10.9.0.2' }, b: { publicIp: '10.9.0.3' } } },
    });
    await machines(fake, ['a'], { vm: false });
    await machines(fake, ['b', 'c'], { vm: false, tags: false });
    const addr = (n: string) => [
      fake.model.get(PIP(`${n}-ip`))!.properties['ipAddress'],
      ((fake.model.get(NIC(`${n}-nic`))!.properties['ipConfigurations'] as Json[])[0]!['properties'] as Json)[
        'privateIPAddress'
      ],
    ];
    expect(addr('a')).toEqual(['10.9.0.1', '10.9.0.2']);
    expect(addr('b')[0]).toBe('10.9.0.3');
    expect(addr('b')[1]).toMatch(/^10\.0\.0\./);
    expect(addr('c')[0]).toMatch(/^20\.1\./);
  });

  it('boots each VM once when its create succeeds, answering nothing meanwhile; a failed boot fails that call and is retried', async () => {
    const fake = new FakeAzure({ config: { ipMap: { a: { publicIp: '10.9.0.1', privateIp: '10.9.0.2' } } } });
    let boots = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    fake.onVmBoot = async (vm: ArmRes, f) => {
      boots++;
      if (boots === 1) throw new Error('sshd did not come back');
      expect(bootingVmOf(vm, f)).toMatchObject({
        addresses: ['10.9.0.1', '10.9.0.2'],
        user: 'ubuntu',
        authorizedKey: 'ssh-ed25519 AAAAa',
        userData: '#cloud-config\nssh_deletekeys: true\n',
      });
      await gate;
      order.push('booted');
    };
    await machines(fake, ['a']);
    let status = 200;
    for (let i = 0; i < 12 && status !== 500; i++) status = (await send(fake, 'GET', G)).status;
    expect(status).toBe(500); // the VM's create completed; its first boot failed, and so did that call
    // The next calls start the boot again and wait for it: nobody sees the VM Succeeded before.
    const seen = state(fake, VM('a')).then((s) => order.push(`VM ${String(s)}`));
    const other = send(fake, 'GET', G).then((r) => order.push(`group ${r.status}`));
    await new Promise((r) => setTimeout(r, 30));
    expect(order).toEqual([]);
    release();
    await Promise.all([seen, other]);
    expect(order[0]).toBe('booted');
    expect(order.slice(1).sort()).toEqual(['VM Succeeded', 'group 200']);
    expect(boots).toBe(2);
    await send(fake, 'GET', G);
    expect(boots).toBe(2);
    expect(fake.booted.size).toBe(1);
  });

  it('a request that arrived before a create completed answers from its own time, not mid-boot from another request', async () => {
    const fake = new FakeAzure();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    fake.onVmBoot = () => gate;
    await machines(fake, ['a']);
    const due = fake.model.toJSON().ops.find((o) => o.resourceKey.endsWith('/virtualmachines/a'))!.doneAt;
    while (fake.now < due - 2 * fake.config.tickMs) await send(fake, 'GET', G);
    // Both sent in one go: B arrives a tick before the create is due, A when it is (and starts the boot).
    const b = state(fake, VM('a'));
    const a = state(fake, VM('a'));
    expect(await b).toBe('Creating');
    let aAnswered = false;
    void a.then(() => (aAnswered = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(aAnswered).toBe(false); // waits for the boot
    release();
    expect(await a).toBe('Succeeded');
  });

  it('on a clock, operations finish by that clock and requests take no time', async () => {
    const clock = new FakeClock({ mode: 'virtual' });
    const fake = new FakeAzure({ clock });
    await machines(fake, ['a']);
    const t = fake.now;
    for (let i = 0; i < 20; i++) await send(fake, 'GET', G);
    expect(fake.now).toBe(t);
    expect(await state(fake, VM('a'))).toBe('Creating');
    clock.advance(8000);
    expect(await state(fake, VM('a'))).toBe('Succeeded');
    expect(FakeAzure.load((fake.save(join(dir, 'clock.json')), join(dir, 'clock.json'))).clock?.mode).toBe('virtual');
  });
});

describe('FakeAzure VM images', () => {
  const vm = (size: string, sku: string) => ({
    location: 'eastus',
    properties: {
      hardwareProfile: { vmSize: size },
      storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku, version: 'latest' } },
    },
  });
  it.each([
    ['Standard_D2ps_v5', 'server', 400],
    ['Standard_B2s', 'server-arm64', 400],
    ['Standard_B2s', 'no-such-sku', 404],
  ])('refuses a %s VM with image sku %s (%i), as Azure does', async (size, sku, status) => {
    const fake = new FakeAzure();
    await send(fake, 'PUT', G, { location: 'eastus' });
    expect((await send(fake, 'PUT', VM('x'), vm(size, sku))).status).toBe(status);
  });
});
