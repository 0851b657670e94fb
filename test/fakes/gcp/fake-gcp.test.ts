/** FakeGcp's own machinery: persistence (mid-flight, faults armed), ipMap, the boot hook. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../../src/cloud/gcp/sdk.js';
import { bootingVmOf } from './cloud-init.js';
import { FakeGcp, isSimulatedCrash } from './fake-gcp.js';

const ZONE = 'us-central1-a';
/** Every Compute request names its project (the protos mark it REQUIRED; the fake checks them). */
const project = 'ksctl-fake-project';
const dir = mkdtempSync(join(tmpdir(), 'ksctl-fake-gcp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake with a network and subnetwork, ready for instances. */
async function withSubnet(fake = new FakeGcp()): Promise<FakeGcp> {
  await fake.dispatch('networks:insert', { project, networkResource: { name: 'n' }, requestId: 'r-net' });
  await fake.dispatch('subnetworks:insert', {
    project,
    region: 'us-central1',
    subnetworkResource: { name: 's', network: 'global/networks/n', ipCidrRange: '10.0.0.0/16' },
  });
  return fake;
}

const insert = (fake: FakeGcp, name: string, requestId?: string) =>
  fake.dispatch('instances:insert', {
    project,
    zone: ZONE,
    ...(requestId ? { requestId } : {}),
    instanceResource: {
      name,
      machineType: `zones/${ZONE}/machineTypes/e2-small`,
      disks: [
        {
          boot: true,
          initializeParams: { sourceImage: 'projects/ubuntu-os-cloud/global/images/ubuntu-2404-noble-amd64-v20250101' },
        },
      ],
      networkInterfaces: [
        { subnetwork: 'regions/us-central1/subnetworks/s', accessConfigs: [{ name: 'External NAT' }] },
      ],
      metadata: {
        items: [
          { key: 'ssh-keys', value: 'ubuntu:ssh-ed25519 AAAAkey ksctl' },
          { key: 'user-data', value: '#cloud-config\n' },
        ],
      },
    },
  });
const get = (fake: FakeGcp, name: string): Promise<Instance> =>
  fake.dispatch('instances:get', { project, zone: ZONE, instance: name });

describe('FakeGcp persistence', () => {
  it('round-trips a model in flight: operations finish, deletes remove, clock and counters continue', async () => {
    const fake = await withSubnet();
    await insert(fake, 'vm-0', 'r-vm-0');
    fake.clock.advance(60_000);
    const del = await fake.dispatch('instances:delete', { project, zone: ZONE, instance: 'vm-0' });
    expect(del.status).not.toBe('DONE');
    const path = join(dir, 'inflight.json');
    fake.save(path);

    const loaded = FakeGcp.load(path);
    expect(loaded.clock.now()).toBe(fake.clock.now());
    expect(loaded.calls).toEqual(fake.calls);
    expect((await get(loaded, 'vm-0')).status).toBe('STOPPING');
    loaded.clock.advance(60_000);
    expect(
      loaded
        .inventory()
        .map((r) => r.kind)
        .sort(),
    ).toEqual(['network', 'subnetwork']);
    // The request id is remembered: the same insert answers with the first operation, creates nothing.
    const again = await insert(loaded, 'vm-0', 'r-vm-0');
    expect(again.operationType).toBe('insert');
    expect(loaded.inventory().filter((r) => r.kind === 'instance')).toEqual([]);
    // Computed addresses continue where the first process stopped.
    await insert(loaded, 'vm-1');
    loaded.clock.advance(60_000);
    expect((await get(loaded, 'vm-1')).networkInterfaces![0]!.networkIP).toBe('10.0.0.3');
  });

  it('an armed crash, a failNth and an operation fault survive save/load', async () => {
    const fake = await withSubnet();
    fake.crashAt(2, 'after', 'instances:insert').failNth('instances:get', 1, 'PERMISSION_DENIED');
    fake.opFaults.push({ op: 'instances:insert', code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: 'no capacity' });
    const path = join(dir, 'armed.json');
    fake.save(path);

    const loaded = FakeGcp.load(path);
    await expect(get(loaded, 'nothing')).rejects.toMatchObject({ reason: 'PERMISSION_DENIED' });
    const failed = await insert(loaded, 'vm-0');
    loaded.clock.advance(20_000);
    expect(
      (await loaded.dispatch('zoneOperations:get', { project, zone: ZONE, operation: failed.name })).error.errors[0]
        .code,
    ).toBe('ZONE_RESOURCE_POOL_EXHAUSTED');
    const crashed = await insert(loaded, 'vm-1').catch((e: unknown) => e);
    expect(isSimulatedCrash(crashed)).toBe(true);
    expect(
      loaded
        .inventory()
        .filter((r) => r.kind === 'instance')
        .map((r) => r.id),
    ).toEqual([`zones/${ZONE}/instances/vm-1`]); // after: it took effect
  });
});

describe('FakeGcp addresses and boot hook', () => {
  it('config.ipMap gives an instance its addresses (external once RUNNING)', async () => {
    const fake = await withSubnet(
      new FakeGcp({ config: { ipMap: { 'vm-0': { publicIp: '192.0.2.10', privateIp: '192.0.2.11' } } } }),
    );
    await insert(fake, 'vm-0');
    expect((await get(fake, 'vm-0')).networkInterfaces![0]!.accessConfigs![0]!.natIP).toBeUndefined();
    fake.clock.advance(30_000);
    const ni = (await get(fake, 'vm-0')).networkInterfaces![0]!;
    expect([ni.accessConfigs![0]!.natIP, ni.networkIP]).toEqual(['192.0.2.10', '192.0.2.11']);
  });

  it('boots each instance once, when RUNNING, before any call answers; a failed boot fails the call and is retried', async () => {
    const fake = await withSubnet();
    const booted: string[] = [];
    let failNext = true;
    fake.onInstanceBoot = async (inst) => {
      await new Promise((r) => setTimeout(r, 5));
      if (failNext) {
        failNext = false;
        throw new Error('first boot failed');
      }
      booted.push(inst.name!);
    };
    await insert(fake, 'vm-0');
    await insert(fake, 'vm-1');
    expect(booted).toEqual([]);
    fake.clock.advance(30_000);
    await expect(fake.dispatch('regions:get', { project: 'p', region: 'us-central1' })).rejects.toThrow(
      /first boot failed/,
    );
    const inst = await get(fake, 'vm-0');
    expect(inst.status).toBe('RUNNING');
    expect(booted.sort()).toEqual(['vm-0', 'vm-1']);
    await get(fake, 'vm-1');
    expect(booted).toHaveLength(2);
    expect([...fake.data.instances.values()].every((t) => t.booted)).toBe(true);
    // What the cloud-init stand-in gets from a GCE instance.
    expect(bootingVmOf(inst)).toMatchObject({
      userData: '#cloud-config\n',
      user: 'ubuntu',
      authorizedKey: 'ssh-ed25519 AAAAkey ksctl',
      addresses: [inst.networkInterfaces![0]!.accessConfigs![0]!.natIP, inst.networkInterfaces![0]!.networkIP],
    });
  });
});

describe('FakeGcp requestId window', () => {
  it('a requestId answers with its first operation for 60 minutes, then starts a new request', async () => {
    const fake = await withSubnet();
    const first = await insert(fake, 'vm-0', 'r-window');
    fake.clock.advance(60_000);
    await fake.dispatch('instances:delete', { project, zone: ZONE, instance: 'vm-0' });
    fake.clock.advance(60_000);
    // Within the hour: the old (finished) operation, nothing created — what a re-created cluster
    // whose tokens did not change would get.
    const replay = await insert(fake, 'vm-0', 'r-window');
    expect(replay.name).toBe(first.name);
    expect(fake.inventory().filter((r) => r.kind === 'instance')).toEqual([]);
    fake.clock.advance(60 * 60_000);
    const fresh = await insert(fake, 'vm-0', 'r-window');
    expect(fresh.name).not.toBe(first.name);
    fake.clock.advance(60_000);
    expect(fake.inventory().filter((r) => r.kind === 'instance')).toHaveLength(1);
  });
});
