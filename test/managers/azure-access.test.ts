/**
 * Self-managed access on Azure through SelfManagedManager on FakeAzure: each role's NSG admits SSH
 * (and the load balancer's the API) from exactly the new ranges, the rules between roles (ASG
 * references) and the VNet deny stay; a re-run PUTs nothing; a crash mid-way converges.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { clusterIdOf } from '../../src/api/types.js';
import { createAzureSelfManaged } from '../../src/cloud/azure/index.js';
import { exitCodeOf } from '../../src/errors.js';
import { SelfManagedManager } from '../../src/managers/selfmanaged/manager.js';
import { FakeAzure, isSimulatedCrash } from '../fakes/azure/fake-azure.js';
import { azureSpec } from '../fakes/azure/world.js';
import { sandbox, seedSelfManaged, stateBytes, stateOf, type Sandbox } from './day-two-helpers.js';

const spec = azureSpec({ name: 'web' });
const id = clusterIdOf(spec);

let box: Sandbox | undefined;
afterEach(() => box?.cleanup());

async function seeded() {
  const fake = new FakeAzure();
  box = sandbox({ azure: fake.runtime() });
  const provider = createAzureSelfManaged({ runtime: fake.runtime() });
  await seedSelfManaged(box.deps, spec, provider);
  return { fake, mgr: new SelfManagedManager(box.deps, { provider }), deps: box.deps };
}

type Rule = Record<string, unknown> & { properties?: Record<string, unknown> };
const rulesOf = (fake: FakeAzure) =>
  [...fake.model.resources.values()]
    .filter((r) => r.type === 'Microsoft.Network/networkSecurityGroups')
    .map((r) => ({
      role: r.tags['ksctl.io/role'],
      rules: (r.properties['securityRules'] as Rule[]).map((x) => x.properties ?? x),
    }));
/** Address-range rules as `role port source`. */
const cidrRules = (fake: FakeAzure) =>
  rulesOf(fake)
    .flatMap(({ role, rules }) =>
      rules
        .filter((r) => r['access'] === 'Allow' && typeof r['sourceAddressPrefix'] === 'string')
        .map((r) => `${role} ${String(r['destinationPortRange'])} ${String(r['sourceAddressPrefix'])}`),
    )
    .sort();
const otherRules = (fake: FakeAzure) =>
  JSON.stringify(
    rulesOf(fake).map(({ role, rules }) => [
      role,
      // Priorities follow the table's order, which the operator rules lead: compared without them.
      rules
        .filter((r) => !(r['access'] === 'Allow' && typeof r['sourceAddressPrefix'] === 'string'))
        .map(({ priority: _p, ...r }) => r),
    ]),
  );
const expected = (cidrs: string[]) =>
  cidrs
    .flatMap((c) =>
      ['controlplane', 'etcd', 'loadbalancer', 'worker'].map((r) => `${r} 22 ${c}`).concat(`loadbalancer 6443 ${c}`),
    )
    .sort();
const nsgPuts = (fake: FakeAzure) => fake.calls.filter((c) => c.op === 'PUT networkSecurityGroups');

describe('Azure self-managed access through the manager', () => {
  it('the NSGs admit exactly the new ranges, inner rules untouched; a re-run PUTs nothing', async () => {
    const { fake, mgr, deps } = await seeded();
    expect(cidrRules(fake)).toEqual(expected(['203.0.113.7/32']));
    const inner = otherRules(fake);
    await mgr.updateAccess(id, ['198.51.100.0/24', '192.0.2.0/28'], {});
    expect(cidrRules(fake)).toEqual(expected(['198.51.100.0/24', '192.0.2.0/28']));
    expect(otherRules(fake)).toEqual(inner);
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual(['198.51.100.0/24', '192.0.2.0/28']);
    const puts = nsgPuts(fake).length;
    await mgr.updateAccess(id, ['198.51.100.0/24', '192.0.2.0/28'], {});
    expect(nsgPuts(fake).length).toBe(puts);
  });

  it('a crash after the first NSG PUT: the re-run converges', async () => {
    const { fake, mgr, deps } = await seeded();
    fake.crashAt(1, 'after', 'PUT networkSecurityGroups');
    await expect(mgr.updateAccess(id, ['198.51.100.0/24'], {})).rejects.toSatisfy(isSimulatedCrash);
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual([]);
    fake.clearFaults();
    await mgr.updateAccess(id, ['198.51.100.0/24'], {});
    expect(cidrRules(fake)).toEqual(expected(['198.51.100.0/24']));
  });

  it('a dry run and a CIDR with host bits set write nothing and call nothing', async () => {
    const { fake, mgr, deps } = await seeded();
    const before = await stateBytes(deps, spec);
    const calls = fake.calls.length;
    await mgr.updateAccess(id, ['198.51.100.0/24'], { dryRun: true });
    expect(await mgr.updateAccess(id, ['198.51.100.1/24'], {}).then(() => 0, exitCodeOf)).toBe(2);
    expect(fake.calls.length).toBe(calls);
    expect(await stateBytes(deps, spec)).toBe(before);
  });
});
