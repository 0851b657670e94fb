/**
 * Self-managed access on GCP through SelfManagedManager on FakeGcp: each role's operator rule takes
 * exactly the new sourceRanges (patched), the rules between roles (source tags) stay; a re-run
 * patches nothing; a crash mid-way converges.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { clusterIdOf } from '../../src/api/types.js';
import { createGcpSelfManaged } from '../../src/cloud/gcp/index.js';
import { exitCodeOf } from '../../src/errors.js';
import { SelfManagedManager } from '../../src/managers/selfmanaged/manager.js';
import { FakeGcp, isSimulatedCrash } from '../fakes/gcp/fake-gcp.js';
import { gcpSpec } from '../fakes/gcp/world.js';
import { sandbox, seedSelfManaged, stateBytes, stateOf, type Sandbox } from './day-two-helpers.js';

const spec = gcpSpec({ name: 'web' });
const id = clusterIdOf(spec);

let box: Sandbox | undefined;
afterEach(() => box?.cleanup());

async function seeded() {
  const fake = new FakeGcp({ clock: 'virtual' });
  box = sandbox({ gcp: fake.runtime() });
  const provider = createGcpSelfManaged({ runtime: fake.runtime() });
  await seedSelfManaged(box.deps, spec, provider);
  return { fake, mgr: new SelfManagedManager(box.deps, { provider }), deps: box.deps };
}

const rules = (fake: FakeGcp) => [...fake.data.firewalls.values()].map((f) => f.res);
/** Operator rules as `target ports sources`. */
const operatorRules = (fake: FakeGcp) =>
  rules(fake)
    .filter((f) => f.sourceRanges?.length)
    .map(
      (f) =>
        `${String(f.targetTags?.[0]).replace(/^ksctl-[a-z0-9]+-/, '')} ${(f.allowed ?? []).flatMap((a) => a.ports ?? []).join(',')} ${[...(f.sourceRanges ?? [])].sort().join(',')}`,
    )
    .sort();
const innerRules = (fake: FakeGcp) => JSON.stringify(rules(fake).filter((f) => !f.sourceRanges?.length));
const patches = (fake: FakeGcp) => fake.callsOf('firewalls:patch');

describe('GCP self-managed access through the manager', () => {
  it('the operator rules take exactly the new sourceRanges; inner rules stay; a re-run patches nothing', async () => {
    const { fake, mgr, deps } = await seeded();
    const at = (cidrs: string) => operatorRules(fake).map((r) => r.replace(/ [^ ]+$/, ` ${cidrs}`));
    expect(operatorRules(fake)).toEqual(at('198.51.100.77/32'));
    const inner = innerRules(fake);
    const out = await mgr.updateAccess(id, ['203.0.113.0/24', '192.0.2.0/28'], {});
    expect(out.steps).toHaveLength(1);
    expect(operatorRules(fake)).toEqual(at('192.0.2.0/28,203.0.113.0/24'));
    expect(operatorRules(fake).some((r) => r.startsWith('loadbalancer') && r.includes('6443'))).toBe(true);
    expect(innerRules(fake)).toEqual(inner);
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual(['203.0.113.0/24', '192.0.2.0/28']);
    const n = patches(fake).length;
    expect(n).toBe(operatorRules(fake).length);
    await mgr.updateAccess(id, ['192.0.2.0/28', '203.0.113.0/24'], {});
    expect(patches(fake).length).toBe(n);
  });

  it('a crash after the first patch: the re-run converges', async () => {
    const { fake, mgr, deps } = await seeded();
    fake.crashAt(1, 'after', 'firewalls:patch');
    await expect(mgr.updateAccess(id, ['203.0.113.0/24'], {})).rejects.toSatisfy(isSimulatedCrash);
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual([]);
    fake.clearFaults();
    await mgr.updateAccess(id, ['203.0.113.0/24'], {});
    expect(operatorRules(fake).every((r) => r.endsWith(' 203.0.113.0/24'))).toBe(true);
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual(['203.0.113.0/24']);
  });

  it('a dry run and a bad CIDR write nothing and call nothing', async () => {
    const { fake, mgr, deps } = await seeded();
    const before = await stateBytes(deps, spec);
    const calls = fake.calls.length;
    await mgr.updateAccess(id, ['203.0.113.0/24'], { dryRun: true });
    expect(await mgr.updateAccess(id, ['203.0.113.0/24', '2001:db8::/32'], {}).then(() => 0, exitCodeOf)).toBe(2);
    expect(fake.calls.length).toBe(calls);
    expect(await stateBytes(deps, spec)).toBe(before);
  });
});
