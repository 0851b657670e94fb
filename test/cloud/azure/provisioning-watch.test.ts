/** Waiting for ARM resources together: one list per type and group per tick, not a poller per resource. */
import { CoalescedLookup } from '../../../src/cloud/azure/coalesced-lookup.js';
import { describe, expect, it } from 'vitest';
import {
  ProvisioningFailedError,
  ProvisioningWatcher,
  type ArmTarget,
} from '../../../src/cloud/azure/provisioning-watch.js';
import type { ArmResource } from '../../../src/cloud/azure/sdk.js';
import { FakeClock } from '../../fakes/aws/clock.js';
import { FAKE_SUBSCRIPTION } from '../../fakes/azure/fake-azure.js';
import { azureSpec, selfManagedWorld } from '../../fakes/azure/world.js';
import { MemoryCluster, stepContext } from '../../fakes/memory-cluster.js';
import { runSteps, selfManagedSteps } from '../../contract/run-steps.js';

const never = new AbortController().signal;
const opts = { timeoutMs: 60_000, signal: never };

/** A resource group whose resources reach `state` at `readyAt` (virtual ms). */
function world(clock: FakeClock) {
  const res = new Map<string, { state: string; readyAt: number; type: string }>();
  const lists: { at: number; type: string }[] = [];
  const gets: string[] = [];
  const view = (name: string): ArmResource => {
    const r = res.get(name)!;
    return { name, provisioningState: clock.now() >= r.readyAt ? r.state : 'Creating' };
  };
  const watcher = new ProvisioningWatcher(
    async (_g, type) => {
      lists.push({ at: clock.now(), type });
      return [...res].filter(([, r]) => r.type === type).map(([n]) => view(n));
    },
    async (t: ArmTarget) => {
      gets.push(t.name);
      return res.has(t.name) ? view(t.name) : undefined;
    },
    1000,
    clock,
  );
  return { res, lists, gets, watcher };
}

describe('Azure provisioning watcher', () => {
  it('twelve resources of two types: two lists per tick, each resolved on the first tick after it succeeded', async () => {
    const clock = new FakeClock({ mode: 'virtual' });
    const t0 = clock.now();
    const w = world(clock);
    const waits = Array.from({ length: 12 }, (_, i) => {
      const name = `r${i}`;
      const type = i % 2 ? 'publicIPAddresses' : 'virtualMachines';
      w.res.set(name, { state: 'Succeeded', readyAt: t0 + 500 + i * 1000, type });
      return w.watcher.provisioned({ group: 'g', type, name }, opts).then(() => clock.now() - t0);
    });
    const done = await Promise.all(waits);
    // r_i is ready at 0.5 + i s: seen at the tick after, i + 1 s.
    expect(done).toEqual(Array.from({ length: 12 }, (_, i) => (i + 1) * 1000));
    const perTick = new Map<number, number>();
    for (const l of w.lists) perTick.set(l.at, (perTick.get(l.at) ?? 0) + 1);
    expect(Math.max(...perTick.values())).toBeLessThanOrEqual(2);
    expect(w.gets).toEqual([]);
  });

  it('Failed fails the wait; a resource that is gone fails provisioned() and settles as undefined', async () => {
    const clock = new FakeClock({ mode: 'virtual' });
    const w = world(clock);
    w.res.set('bad', { state: 'Failed', readyAt: clock.now() + 1500, type: 'virtualMachines' });
    w.res.set('ok', { state: 'Succeeded', readyAt: clock.now() + 1500, type: 'virtualMachines' });
    const bad = w.watcher.provisioned({ group: 'g', type: 'virtualMachines', name: 'bad' }, opts);
    await expect(bad).rejects.toBeInstanceOf(ProvisioningFailedError);
    await expect(w.watcher.settled({ group: 'g', type: 'virtualMachines', name: 'bad' }, opts)).resolves.toMatchObject({
      provisioningState: 'Failed',
    });
    await expect(
      w.watcher.provisioned({ group: 'g', type: 'virtualMachines', name: 'ok' }, opts),
    ).resolves.toMatchObject({ provisioningState: 'Succeeded' });
    // Not listed: asked for directly, and gone.
    await expect(w.watcher.provisioned({ group: 'g', type: 'virtualMachines', name: 'gone' }, opts)).rejects.toThrow(
      /gone/,
    );
    await expect(
      w.watcher.settled({ group: 'g', type: 'virtualMachines', name: 'gone' }, opts),
    ).resolves.toBeUndefined();
    expect(w.gets).toEqual(['gone', 'gone']);
  });

  it('an 11-VM create reads VMs only through lists of the group (existence checks coalesced, provisioning watched) and never polls a VM operation', async () => {
    const spec = azureSpec({ name: 'watch', workers: { count: 4, size: 'Standard_B2ms', spot: false } });
    const w = selfManagedWorld(spec);
    const cluster = MemoryCluster.create(spec);
    const p = w.provider();
    await p.preflight(stepContext(cluster, spec));
    await runSteps(selfManagedSteps(p, spec), stepContext(cluster, spec));
    const vms = Object.keys(cluster.state!.machines);
    expect(vms).toHaveLength(11);
    const group = `/subscriptions/${FAKE_SUBSCRIPTION}/resourceGroups/ksctl-watch-eastus/providers/Microsoft.Compute/virtualMachines`;
    const vmGets = w.fake.callsOf('GET virtualMachines');
    // The "does it exist?" before each PUT shares a list with the VMs asked about at the same time.
    expect(vmGets.filter((c) => c.path !== group)).toEqual([]);
    expect(vmGets.length).toBeGreaterThan(0);
    const vmOps = new Set(
      w.fake.model
        .toJSON()
        .ops.filter((o) => o.resourceKey.includes('/virtualmachines/'))
        .map((o) => o.id),
    );
    expect(w.fake.callsOf('GET operations').filter((c) => vmOps.has(c.path.split('/').pop()!))).toEqual([]);
  });
});

describe('Azure coalesced lookup', () => {
  it('lookups made in the same turn share one list; a missing group means not found; other errors reach every caller', async () => {
    const lists: string[] = [];
    let fail: Error | undefined;
    const lookup = new CoalescedLookup(async (group, type) => {
      lists.push(`${group}/${type}`);
      if (fail) throw fail;
      return [{ name: 'A-ip' }, { name: 'b-ip' }];
    });
    const [a, b, c] = await Promise.all([
      lookup.find('g', 'publicIPAddresses', 'a-ip'),
      lookup.find('g', 'publicIPAddresses', 'b-ip'),
      lookup.find('g', 'publicIPAddresses', 'c-ip'),
    ]);
    expect([a?.name, b?.name, c]).toEqual(['A-ip', 'b-ip', undefined]);
    expect(lists).toEqual(['g/publicIPAddresses']);
    await lookup.find('g', 'networkInterfaces', 'x');
    expect(lists).toHaveLength(2); // another type, another list

    fail = Object.assign(new Error('Resource group g could not be found'), {
      statusCode: 404,
      code: 'ResourceGroupNotFound',
    });
    expect(await lookup.find('g', 'publicIPAddresses', 'a-ip')).toBeUndefined();
    fail = Object.assign(new Error('denied'), { statusCode: 403, code: 'AuthorizationFailed' });
    const both = [lookup.find('g', 'virtualMachines', 'x'), lookup.find('g', 'virtualMachines', 'y')];
    for (const p of both) await expect(p).rejects.toThrow('denied');
  });
});
