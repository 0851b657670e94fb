/**
 * AKS day 2 through ManagedManager on FakeAzure: the API server's authorized IP ranges changed (the
 * cluster PUT), and the managed upgrade: the control plane alone (every pool's version sent back
 * as it was), the system pool, then each user pool by orchestratorVersion, in order; resumable after a
 * crash, described by a dry run that writes nothing, refused with exit 2 before any call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DRAIN_TIMEOUT_MS, type UpgradeRequest } from '../../src/api/pool-change.js';
import { clusterIdOf, type ClusterSpec, type NodePoolSpec } from '../../src/api/types.js';
import { exitCodeOf } from '../../src/errors.js';
import { ManagedManager } from '../../src/managers/managed.js';
import { FakeAzure, isSimulatedCrash } from '../fakes/azure/fake-azure.js';
import { route } from '../fakes/azure/routes.js';
import { azureSpec } from '../fakes/azure/world.js';
import { sandbox, stateBytes, stateOf, type Sandbox } from './day-two-helpers.js';

const pool = (name: string): NodePoolSpec => ({
  name,
  count: 2,
  size: 'Standard_D2s_v5',
  spot: false,
  labels: {},
  taints: [],
});
const spec: ClusterSpec = azureSpec({
  name: 'prod',
  type: 'managed',
  kubernetesVersion: '1.36',
  nodePools: [pool('general'), pool('batch')],
  network: { ...azureSpec().network, allowCidrs: ['203.0.113.0/24'] },
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
  const fake = new FakeAzure();
  box = sandbox({ azure: fake.runtime() });
  const mgr = new ManagedManager(box.deps);
  await mgr.create(spec, { switchContext: false });
  return { fake, mgr, deps: box.deps };
}

const aks = (fake: FakeAzure) =>
  [...fake.model.resources.values()].find((r) => r.type === 'Microsoft.ContainerService/managedClusters')!;
const ranges = (fake: FakeAzure) =>
  (aks(fake).properties['apiServerAccessProfile'] as { authorizedIPRanges?: string[] } | undefined)?.authorizedIPRanges;
const poolVersions = (fake: FakeAzure) =>
  Object.fromEntries(
    (aks(fake).properties['agentPoolProfiles'] as Record<string, unknown>[]).map((p) => [
      p['name'],
      p['orchestratorVersion'],
    ]),
  );
const ok = (status: number | string) => typeof status === 'number' && status < 300;
const puts = (fake: FakeAzure) => fake.calls.filter((c) => c.op === 'PUT managedClusters' && ok(c.status));
const exitOf = (p: Promise<unknown>) => p.then(() => 0, exitCodeOf);

describe('AKS access (authorized IP ranges) through the manager', () => {
  it('sets exactly the new ranges with one PUT, records them, and a re-run sends nothing', async () => {
    const { fake, mgr, deps } = await created();
    const before = puts(fake).length;
    await mgr.updateAccess(id, ['198.51.100.0/24', '192.0.2.7/32'], {});
    expect(ranges(fake)).toEqual(['198.51.100.0/24', '192.0.2.7/32']);
    expect(puts(fake).length).toBe(before + 1);
    // The rest of the cluster went back as it was.
    expect(poolVersions(fake)).toEqual({ system: '1.36', general: '1.36', batch: '1.36' });
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual(['198.51.100.0/24', '192.0.2.7/32']);
    await mgr.updateAccess(id, ['192.0.2.7/32', '198.51.100.0/24'], {});
    expect(puts(fake).length).toBe(before + 1);
    fake.operatorIp = '198.51.100.9';
    await mgr.updateAccess(id, [], {});
    expect(ranges(fake)).toEqual(['198.51.100.9/32']);
  });

  it('a crash after the PUT: the re-run waits for it and converges without another', async () => {
    const { fake, mgr, deps } = await created();
    const before = puts(fake).length;
    fake.crashAt(1, 'after', 'PUT managedClusters');
    await expect(mgr.updateAccess(id, ['198.51.100.0/24'], {})).rejects.toSatisfy(isSimulatedCrash);
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual(['203.0.113.0/24']);
    fake.clearFaults();
    await mgr.updateAccess(id, ['198.51.100.0/24'], {});
    expect(ranges(fake)).toEqual(['198.51.100.0/24']);
    // The crashed run's PUT took effect (recorded as the crash); the re-run sent none.
    expect(puts(fake).length).toBe(before);
    expect(fake.calls.filter((c) => c.op === 'PUT managedClusters' && c.status === 'crash')).toHaveLength(1);
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual(['198.51.100.0/24']);
  });

  it('a dry run and a malformed CIDR write nothing and call nothing', async () => {
    const { fake, mgr, deps } = await created();
    const before = await stateBytes(deps, spec);
    const calls = fake.calls.length;
    const dry = await mgr.updateAccess(id, ['198.51.100.0/24'], { dryRun: true });
    expect(dry.steps).toHaveLength(1);
    expect(await exitOf(mgr.updateAccess(id, ['198.51.100.300/24'], {}))).toBe(2);
    expect(fake.calls.length).toBe(calls);
    expect(await stateBytes(deps, spec)).toBe(before);
  });
});

describe('AKS managed upgrade through the manager', () => {
  it('the control plane alone first, then the system pool, then each user pool in order', async () => {
    const { fake, mgr, deps } = await created();
    const before = puts(fake).length;
    const seen: string[] = [];
    fake.onCall = () => {
      const last = fake.calls.at(-1);
      if (last?.op === 'PUT managedClusters' && ok(last.status)) {
        const p = aks(fake).properties;
        seen.push(`${String(p['kubernetesVersion'])} ${JSON.stringify(poolVersions(fake))}`);
      }
    };
    const out = await mgr.upgrade(id, upgrade('1.37'));
    fake.onCall = undefined;
    expect(out.steps.map((s) => s.id)).toEqual([
      'upgrade/1.37/control-plane',
      'upgrade/1.37/pool/general',
      'upgrade/1.37/pool/batch',
    ]);
    expect(puts(fake).length).toBe(before + 4);
    expect(seen).toEqual([
      '1.37 {"system":"1.36","general":"1.36","batch":"1.36"}',
      '1.37 {"system":"1.37","general":"1.36","batch":"1.36"}',
      '1.37 {"system":"1.37","general":"1.37","batch":"1.36"}',
      '1.37 {"system":"1.37","general":"1.37","batch":"1.37"}',
    ]);
    const s = await stateOf(deps, spec);
    expect(s.versions).toMatchObject({ kubernetes: '1.37', controlPlane: '1.37', 'pool/general': '1.37' });
  });

  it('a crash after the control plane: the re-run upgrades the pools only', async () => {
    const { fake, mgr, deps } = await created();
    // PUTs: control plane, system pool, then general's: crash before general's.
    fake.crashAt(3, 'before', 'PUT managedClusters');
    await expect(mgr.upgrade(id, upgrade('1.37'))).rejects.toSatisfy(isSimulatedCrash);
    expect((await stateOf(deps, spec)).versions).toMatchObject({ kubernetes: '1.36', controlPlane: '1.37' });
    fake.clearFaults();
    const out = await mgr.upgrade(id, upgrade('1.37'));
    expect(out.steps.map((s) => s.id)).toEqual(['upgrade/1.37/pool/general', 'upgrade/1.37/pool/batch']);
    expect(poolVersions(fake)).toEqual({ system: '1.37', general: '1.37', batch: '1.37' });
    expect((await stateOf(deps, spec)).versions['kubernetes']).toBe('1.37');
  });

  it('dry run writes nothing; downgrade, two minors, a minor AKS does not offer exit 2 with no change', async () => {
    const { fake, mgr, deps } = await created();
    const before = await stateBytes(deps, spec);
    const mutating = fake.mutatingCalls().length;
    const dry = await mgr.upgrade(id, upgrade('1.37', true));
    expect(dry.steps).toHaveLength(3);
    const calls = fake.calls.length;
    for (const to of ['1.35', '1.38.0', '2.0']) expect(await exitOf(mgr.upgrade(id, upgrade(to)))).toBe(2);
    expect(fake.calls.length).toBe(calls);
    // 1.37.9 is one minor up but no patch AKS offers: the live list says so (a read).
    await expect(mgr.upgrade(id, upgrade('1.37.9'))).rejects.toThrow(/does not offer Kubernetes 1\.37\.9/);
    expect(fake.mutatingCalls().length).toBe(mutating);
    expect(await stateBytes(deps, spec)).toBe(before);
  });

  it('the fake refuses what AKS refuses: a pool newer than the control plane', async () => {
    const { fake } = await created();
    const r = aks(fake);
    const props = { ...r.properties, agentPoolProfiles: [{ name: 'system', orchestratorVersion: '1.37' }] };
    const url = new URL(`https://management.azure.com${r.id}?api-version=2025-10-01`);
    const reply = route(fake, { method: 'PUT', path: r.id, url, body: { location: r.location, properties: props } });
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).toMatch(/NodePoolMcVersionIncompatible/);
  });
});
