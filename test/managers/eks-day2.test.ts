/**
 * EKS day 2 through ManagedManager on FakeAws: the API endpoint's public access CIDRs changed
 * (UpdateClusterConfig, waited through DescribeUpdate) and the managed upgrade (UpdateClusterVersion,
 * then UpdateNodegroupVersion per pool in order), each recorded, resumable after a crash, described
 * by a dry run that writes nothing, and refused with exit 2 before any call on bad input.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DRAIN_TIMEOUT_MS, type UpgradeRequest } from '../../src/api/pool-change.js';
import { clusterIdOf, type ClusterSpec, type NodePoolSpec } from '../../src/api/types.js';
import { exitCodeOf } from '../../src/errors.js';
import { ManagedManager } from '../../src/managers/managed.js';
import { awsSpec, TEST_CLOCK } from '../fakes/aws/world.js';
import { FakeAws, isSimulatedCrash } from '../fakes/aws/fake-aws.js';
import { sandbox, stateBytes, stateOf, type Sandbox } from './day-two-helpers.js';

const pool = (name: string): NodePoolSpec => ({
  name,
  count: 2,
  size: 't3.large',
  spot: false,
  labels: {},
  taints: [],
});
const spec: ClusterSpec = awsSpec({
  name: 'prod',
  type: 'managed',
  region: 'us-west-2',
  kubernetesVersion: '1.36',
  nodePools: [pool('general'), pool('batch')],
  network: { ...awsSpec().network, allowCidrs: ['203.0.113.0/24'] },
});
const id = clusterIdOf(spec);
const upgrade = (to: string, dryRun = false): UpgradeRequest => ({
  to,
  dryRun,
  backup: true,
  drain: { timeoutMs: DEFAULT_DRAIN_TIMEOUT_MS, force: false, deleteEmptyDirData: false },
});

let box: Sandbox | undefined;
afterEach(() => box?.cleanup());

async function created() {
  const fake = new FakeAws({ clock: TEST_CLOCK });
  box = sandbox({ aws: fake.runtime() });
  const mgr = new ManagedManager(box.deps);
  await mgr.create(spec, { switchContext: false });
  return { fake, mgr, deps: box.deps };
}

const eks = (fake: FakeAws) => Object.values(fake.data.eksClusters)[0]!;
const groups = (fake: FakeAws) =>
  Object.fromEntries(Object.values(fake.data.nodegroups).map((n) => [n.name, n.version]));
const exitOf = (p: Promise<unknown>) => p.then(() => 0, exitCodeOf);

describe('EKS access (publicAccessCidrs) through the manager', () => {
  it('sets exactly the new ranges, records them once done, and a re-run changes nothing', async () => {
    const { fake, mgr, deps } = await created();
    expect(eks(fake).publicAccessCidrs).toEqual(['203.0.113.0/24']);

    const out = await mgr.updateAccess(id, ['198.51.100.0/24', '192.0.2.7/32'], {});
    expect(out.steps.map((s) => s.id)).toEqual([expect.stringMatching(/^access@\d+\/api$/)]);
    expect(eks(fake).publicAccessCidrs).toEqual(['198.51.100.0/24', '192.0.2.7/32']);
    expect(eks(fake).status).toBe('ACTIVE');
    const sent = fake.callsOf('eks:UpdateClusterConfig', 'ok').map((c) => c.input);
    expect(sent).toEqual([
      {
        name: 'prod',
        resourcesVpcConfig: {
          endpointPublicAccess: true,
          endpointPrivateAccess: true,
          publicAccessCidrs: ['198.51.100.0/24', '192.0.2.7/32'],
        },
      },
    ]);
    expect(fake.callsOf('eks:DescribeUpdate', 'ok').length).toBeGreaterThan(0);
    const s = await stateOf(deps, spec);
    expect(s.spec.network.allowCidrs).toEqual(['198.51.100.0/24', '192.0.2.7/32']);
    expect(s.phase).toBe('ready');

    await mgr.updateAccess(id, ['192.0.2.7/32', '198.51.100.0/24'], {});
    expect(fake.callsOf('eks:UpdateClusterConfig')).toHaveLength(1);
  });

  it("an empty list means the operator's own address, looked up now", async () => {
    const { fake, mgr, deps } = await created();
    fake.operatorIp = '198.51.100.23';
    await mgr.updateAccess(id, [], {});
    expect(eks(fake).publicAccessCidrs).toEqual(['198.51.100.23/32']);
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual([]);
  });

  it('a crash right after UpdateClusterConfig leaves the old list in state; the re-run waits and converges', async () => {
    const { fake, mgr, deps } = await created();
    fake.crashAt(1, 'after', 'eks:UpdateClusterConfig');
    await expect(mgr.updateAccess(id, ['198.51.100.0/24'], {})).rejects.toSatisfy(isSimulatedCrash);
    expect(eks(fake).status).toBe('UPDATING');
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual(['203.0.113.0/24']);
    fake.clearFaults();
    await mgr.updateAccess(id, ['198.51.100.0/24'], {});
    expect(eks(fake).publicAccessCidrs).toEqual(['198.51.100.0/24']);
    // The re-run waited for the first update and found it done: no second call.
    expect(fake.callsOf('eks:UpdateClusterConfig')).toHaveLength(1);
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual(['198.51.100.0/24']);
  });

  it('a dry run describes the step and writes nothing; a malformed CIDR exits 2 with no call', async () => {
    const { fake, mgr, deps } = await created();
    const before = await stateBytes(deps, spec);
    const calls = fake.calls.length;
    const dry = await mgr.updateAccess(id, ['198.51.100.0/24'], { dryRun: true });
    expect(dry.steps[0]).toMatchObject({ details: { from: '203.0.113.0/24', to: '198.51.100.0/24' } });
    expect(await exitOf(mgr.updateAccess(id, ['198.51.100.0/33'], {}))).toBe(2);
    await expect(mgr.updateAccess(id, ['10.0.0.1/8'], {})).rejects.toThrow(/spec\.network\.allowCidrs\[0\].*host bits/);
    expect(fake.calls.length).toBe(calls);
    expect(await stateBytes(deps, spec)).toBe(before);
  });
});

describe('EKS managed upgrade through the manager', () => {
  it('upgrades the control plane, then each node group in order, and records every part', async () => {
    const { fake, mgr, deps } = await created();
    expect(groups(fake)).toEqual({ general: '1.36', batch: '1.36' });
    const out = await mgr.upgrade(id, upgrade('1.37'));
    expect(out.steps.map((s) => s.id)).toEqual([
      'upgrade/1.37/control-plane',
      'upgrade/1.37/pool/general',
      'upgrade/1.37/pool/batch',
    ]);
    const order = fake.calls
      .filter((c) => c.outcome === 'ok' && /^Update(ClusterVersion|NodegroupVersion)$/.test(c.op))
      .map((c) => `${c.op} ${String((c.input as { nodegroupName?: string }).nodegroupName ?? '')}`.trim());
    expect(order).toEqual(['UpdateClusterVersion', 'UpdateNodegroupVersion general', 'UpdateNodegroupVersion batch']);
    expect(eks(fake).version).toBe('1.37');
    expect(groups(fake)).toEqual({ general: '1.37', batch: '1.37' });
    const s = await stateOf(deps, spec);
    expect(s.versions).toMatchObject({
      kubernetes: '1.37',
      requested: '1.37',
      controlPlane: '1.37',
      'pool/general': '1.37',
      'pool/batch': '1.37',
    });
    expect(s.spec.kubernetesVersion).toBe('1.37');
    // Upgraded: the same request again is refused (exit 2), with no call.
    const calls = fake.calls.length;
    expect(await exitOf(mgr.upgrade(id, upgrade('1.37')))).toBe(2);
    expect(fake.calls.length).toBe(calls);
  });

  it('a crash after the control plane: the re-run resumes with the node groups only', async () => {
    const { fake, mgr, deps } = await created();
    fake.crashAt(1, 'before', 'eks:UpdateNodegroupVersion');
    await expect(mgr.upgrade(id, upgrade('1.37'))).rejects.toSatisfy(isSimulatedCrash);
    const mid = await stateOf(deps, spec);
    expect(mid.versions).toMatchObject({ kubernetes: '1.36', controlPlane: '1.37' });
    expect(mid.versions['pool/general']).toBeUndefined();
    fake.clearFaults();
    const dry = await mgr.upgrade(id, upgrade('1.37', true));
    expect(dry.steps.map((s) => s.id)).toEqual(['upgrade/1.37/pool/general', 'upgrade/1.37/pool/batch']);
    const out = await mgr.upgrade(id, upgrade('1.37'));
    expect(out.steps.map((s) => s.id)).toEqual(['upgrade/1.37/pool/general', 'upgrade/1.37/pool/batch']);
    expect(fake.callsOf('eks:UpdateClusterVersion')).toHaveLength(1);
    expect(groups(fake)).toEqual({ general: '1.37', batch: '1.37' });
    expect((await stateOf(deps, spec)).versions['kubernetes']).toBe('1.37');
  });

  it('a dry run describes the plan and writes nothing; a downgrade, two minors, a patch exit 2', async () => {
    const { fake, mgr, deps } = await created();
    const before = await stateBytes(deps, spec);
    const mutating = fake.mutatingCalls().length;
    const dry = await mgr.upgrade(id, upgrade('1.37', true));
    expect(dry.steps.map((s) => s.title)).toEqual([
      'Upgrade the control plane to 1.37',
      'Upgrade node pool general to 1.37',
      'Upgrade node pool batch to 1.37',
    ]);
    const calls = fake.calls.length;
    for (const to of ['1.35', '1.38', 'latest']) expect(await exitOf(mgr.upgrade(id, upgrade(to)))).toBe(2);
    // Checked against what state records before any call.
    expect(fake.calls.length).toBe(calls);
    // EKS picks patches itself: its live list refuses one (a read, no change).
    await expect(mgr.upgrade(id, upgrade('1.37.2'))).rejects.toThrow(/EKS chooses the patch release itself/);
    expect(fake.mutatingCalls().length).toBe(mutating);
    expect(await stateBytes(deps, spec)).toBe(before);
  });
});
