/**
 * Self-managed access on AWS through SelfManagedManager on FakeAws: the security groups' SSH and API
 * rules follow allowCidrs (added ranges authorized, removed ones revoked, everything else untouched),
 * a re-run calls nothing, a crash mid-way converges on the re-run; the ssh provider is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { clusterIdOf } from '../../src/api/types.js';
import { createAwsSelfManaged } from '../../src/cloud/aws/index.js';
import { exitCodeOf } from '../../src/errors.js';
import { SelfManagedManager } from '../../src/managers/selfmanaged/manager.js';
import { newClusterState } from '../../src/state/new-state.js';
import { FakeAws, isSimulatedCrash } from '../fakes/aws/fake-aws.js';
import { awsSpec, TEST_CLOCK } from '../fakes/aws/world.js';
import { sandbox, seedSelfManaged, stateBytes, stateOf, type Sandbox } from './day-two-helpers.js';

const spec = awsSpec({ name: 'web' });
const id = clusterIdOf(spec);

let box: Sandbox | undefined;
afterEach(() => box?.cleanup());

async function seeded() {
  const fake = new FakeAws({ clock: TEST_CLOCK });
  box = sandbox({ aws: fake.runtime() });
  const provider = createAwsSelfManaged({ runtime: fake.runtime() });
  await seedSelfManaged(box.deps, spec, provider);
  return { fake, mgr: new SelfManagedManager(box.deps, { provider }), deps: box.deps };
}

/** Each group's address-range rules as `role port cidr` (group-to-group rules are not access). */
function cidrRules(fake: FakeAws): string[] {
  return Object.values(fake.data.sgs)
    .filter((g) => g.tags['ksctl.io/cluster'])
    .flatMap((g) =>
      g.ingress
        .filter((r) => r.cidr ?? r.cidr6)
        .map((r) => `${g.tags['ksctl.io/role']} ${r.from} ${r.cidr ?? r.cidr6}`),
    )
    .sort();
}
const groupRules = (fake: FakeAws) =>
  Object.values(fake.data.sgs).flatMap((g) =>
    g.ingress.filter((r) => r.groupId).map((r) => `${g.id} ${r.from} ${r.groupId}`),
  );

const expected = (cidrs: string[]) =>
  cidrs
    .flatMap((c) =>
      ['controlplane', 'etcd', 'loadbalancer', 'worker'].map((r) => `${r} 22 ${c}`).concat(`loadbalancer 6443 ${c}`),
    )
    .sort();

describe('AWS self-managed access through the manager', () => {
  it('authorizes the added ranges, revokes the removed ones, leaves the rest; a re-run calls nothing', async () => {
    const { fake, mgr, deps } = await seeded();
    // At create: the operator's own address.
    expect(cidrRules(fake)).toEqual(expected(['198.51.100.77/32']));
    const internal = groupRules(fake);

    const out = await mgr.updateAccess(id, ['203.0.113.0/24', '192.0.2.0/28'], {});
    expect(out.steps).toHaveLength(1);
    expect(cidrRules(fake)).toEqual(expected(['203.0.113.0/24', '192.0.2.0/28']));
    expect(groupRules(fake)).toEqual(internal);
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual(['203.0.113.0/24', '192.0.2.0/28']);

    const mutating = fake.mutatingCalls().length;
    await mgr.updateAccess(id, ['203.0.113.0/24', '192.0.2.0/28'], {});
    expect(fake.mutatingCalls().length).toBe(mutating);

    // Back to the operator's own address (the empty list), found now.
    fake.operatorIp = '198.51.100.90';
    await mgr.updateAccess(id, [], {});
    expect(cidrRules(fake)).toEqual(expected(['198.51.100.90/32']));
  });

  it('a crash after the first authorize: the re-run converges to exactly the new rules', async () => {
    const { fake, mgr, deps } = await seeded();
    fake.crashAt(1, 'after', 'ec2:AuthorizeSecurityGroupIngress');
    await expect(mgr.updateAccess(id, ['203.0.113.0/24'], {})).rejects.toSatisfy(isSimulatedCrash);
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual([]);
    fake.clearFaults();
    await mgr.updateAccess(id, ['203.0.113.0/24'], {});
    expect(cidrRules(fake)).toEqual(expected(['203.0.113.0/24']));
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual(['203.0.113.0/24']);
  });

  it('a dry run writes nothing and calls nothing; a bad CIDR exits 2 before any call', async () => {
    const { fake, mgr, deps } = await seeded();
    const before = await stateBytes(deps, spec);
    const calls = fake.calls.length;
    const dry = await mgr.updateAccess(id, ['203.0.113.0/24'], { dryRun: true });
    expect(dry.steps[0]?.details).toMatchObject({ to: '203.0.113.0/24', ports: [22, 6443] });
    expect(await mgr.updateAccess(id, ['203.0.113.0'], {}).then(() => 0, exitCodeOf)).toBe(2);
    const many = Array.from({ length: 21 }, (_, i) => `10.${i}.0.0/16`);
    await expect(mgr.updateAccess(id, many, {})).rejects.toThrow(/at most 20/);
    expect(fake.calls.length).toBe(calls);
    expect(await stateBytes(deps, spec)).toBe(before);
  });

  it('the ssh provider has no firewall of ours: exit 2 saying so', async () => {
    box = sandbox({});
    const ssh = applyDefaults({
      name: 'own',
      provider: 'ssh',
      type: 'selfmanaged',
      machines: [
        { name: 'lb', role: 'loadbalancer', address: '192.0.2.10' },
        { name: 'cp', role: 'controlplane', address: '192.0.2.11' },
      ],
      controlPlane: { count: 1 },
      workers: { count: 0 },
    });
    const h = await box.deps.store.lock(clusterIdOf(ssh), 'seed');
    await h.save({ ...newClusterState(ssh), phase: 'ready' });
    h.release();
    const mgr = new SelfManagedManager(box.deps);
    const err = await mgr.updateAccess(clusterIdOf(ssh), ['203.0.113.0/24'], {}).catch((e: Error) => e);
    expect(exitCodeOf(err)).toBe(2);
    expect((err as Error).message).toMatch(/machines are your own: ksctl made no firewall for them/);
  });
});
