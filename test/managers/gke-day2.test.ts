/**
 * GKE day 2 through ManagedManager on FakeGcp: the control plane endpoint's authorized networks
 * (clusters.update), and the managed upgrade (clusters.updateMaster to the full version the live
 * server config offers, then nodePools.update per pool in order); resumable after a crash, a dry
 * run that writes nothing, exit 2 before any call on bad input.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DRAIN_TIMEOUT_MS, type UpgradeRequest } from '../../src/api/pool-change.js';
import { clusterIdOf, type ClusterSpec, type NodePoolSpec } from '../../src/api/types.js';
import { exitCodeOf } from '../../src/errors.js';
import { ManagedManager } from '../../src/managers/managed.js';
import { FakeGcp, isSimulatedCrash } from '../fakes/gcp/fake-gcp.js';
import { gcpSpec } from '../fakes/gcp/world.js';
import { sandbox, stateBytes, stateOf, type Sandbox } from './day-two-helpers.js';

const pool = (name: string): NodePoolSpec => ({
  name,
  count: 1,
  size: 'e2-standard-2',
  spot: false,
  labels: {},
  taints: [],
});
const spec: ClusterSpec = gcpSpec({
  name: 'prod',
  type: 'managed',
  kubernetesVersion: '1.36',
  nodePools: [pool('general'), pool('batch')],
  network: { ...gcpSpec().network, allowCidrs: ['203.0.113.0/24'] },
});
const id = clusterIdOf(spec);
const path = 'projects/ksctl-fake-project/locations/us-central1/clusters/prod';
const upgrade = (to: string, dryRun = false): UpgradeRequest => ({
  to,
  dryRun,
  backup: true,
  drain: { timeoutMs: DEFAULT_DRAIN_TIMEOUT_MS, force: false, deleteEmptyDirData: false },
});

let box: Sandbox | undefined;
afterEach(() => box?.cleanup());

async function created() {
  const fake = new FakeGcp({ clock: 'virtual' });
  box = sandbox({ gcp: fake.runtime() });
  const mgr = new ManagedManager(box.deps);
  await mgr.create(spec, { switchContext: false });
  return { fake, mgr, deps: box.deps };
}

const versions = (fake: FakeGcp) => ({
  master:
    fake.data.clusters.get(path)!.res.currentMasterVersion ?? fake.data.clusters.get(path)!.res.initialClusterVersion,
  general: fake.data.nodePools.get(`${path}/nodePools/general`)!.res.version,
  batch: fake.data.nodePools.get(`${path}/nodePools/batch`)!.res.version,
});
const exitOf = (p: Promise<unknown>) => p.then(() => 0, exitCodeOf);

describe('GKE access (authorized networks) through the manager', () => {
  it('sets exactly the new ranges, records them, and a re-run sends nothing', async () => {
    const { fake, mgr, deps } = await created();
    expect(fake.authorizedNetworks(path)).toEqual(['203.0.113.0/24']);
    await mgr.updateAccess(id, ['198.51.100.0/24', '192.0.2.7/32'], {});
    expect(fake.authorizedNetworks(path)).toEqual(['198.51.100.0/24', '192.0.2.7/32']);
    const [sent] = fake.callsOf('clusterManager:updateCluster', 'ok');
    expect(sent!.input.update).toEqual({
      desiredControlPlaneEndpointsConfig: {
        ipEndpointsConfig: {
          authorizedNetworksConfig: {
            enabled: true,
            cidrBlocks: [
              { cidrBlock: '198.51.100.0/24', displayName: 'ksctl operator' },
              { cidrBlock: '192.0.2.7/32', displayName: 'ksctl operator' },
            ],
          },
        },
      },
    });
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual(['198.51.100.0/24', '192.0.2.7/32']);
    await mgr.updateAccess(id, ['192.0.2.7/32', '198.51.100.0/24'], {});
    expect(fake.callsOf('clusterManager:updateCluster')).toHaveLength(1);
    fake.operatorIp = '198.51.100.5';
    await mgr.updateAccess(id, [], {});
    expect(fake.authorizedNetworks(path)).toEqual(['198.51.100.5/32']);
  });

  it('a crash after the update: the re-run waits for the cluster and converges without another', async () => {
    const { fake, mgr, deps } = await created();
    fake.crashAt(1, 'after', 'clusterManager:updateCluster');
    await expect(mgr.updateAccess(id, ['198.51.100.0/24'], {})).rejects.toSatisfy(isSimulatedCrash);
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual(['203.0.113.0/24']);
    fake.clearFaults();
    await mgr.updateAccess(id, ['198.51.100.0/24'], {});
    expect(fake.authorizedNetworks(path)).toEqual(['198.51.100.0/24']);
    expect(fake.callsOf('clusterManager:updateCluster')).toHaveLength(1);
    expect((await stateOf(deps, spec)).spec.network.allowCidrs).toEqual(['198.51.100.0/24']);
  });

  it('a dry run and a malformed CIDR write nothing and call nothing', async () => {
    const { fake, mgr, deps } = await created();
    const before = await stateBytes(deps, spec);
    const calls = fake.calls.length;
    await mgr.updateAccess(id, ['198.51.100.0/24'], { dryRun: true });
    expect(await exitOf(mgr.updateAccess(id, ['not-a-cidr'], {}))).toBe(2);
    expect(fake.calls.length).toBe(calls);
    expect(await stateBytes(deps, spec)).toBe(before);
  });
});

describe('GKE managed upgrade through the manager', () => {
  it('upgrades the master to the offered 1.37 version, then each pool in order', async () => {
    const { fake, mgr, deps } = await created();
    expect(versions(fake)).toEqual({ master: '1.36.6-gke.1345000', general: undefined, batch: undefined });
    const out = await mgr.upgrade(id, upgrade('1.37'));
    const target = '1.37.1-gke.1120000';
    expect(out.steps.map((s) => s.id)).toEqual([
      `upgrade/${target}/control-plane`,
      `upgrade/${target}/pool/general`,
      `upgrade/${target}/pool/batch`,
    ]);
    const order = fake.calls
      .filter((c) => c.outcome === 'ok' && /:update(Master|NodePool)$/.test(c.op))
      .map(
        (c) =>
          `${c.op.split(':')[1]} ${String(c.input.name).split('/').pop()} ${c.input.masterVersion ?? c.input.nodeVersion}`,
      );
    expect(order).toEqual([
      `updateMaster prod ${target}`,
      `updateNodePool general ${target}`,
      `updateNodePool batch ${target}`,
    ]);
    expect(fake.callsOf('clusterManager:updateNodePool', 'ok').map((c) => c.input.imageType)).toEqual([
      'COS_CONTAINERD',
      'COS_CONTAINERD',
    ]);
    expect(versions(fake)).toEqual({ master: target, general: target, batch: target });
    const s = await stateOf(deps, spec);
    expect(s.versions).toMatchObject({ kubernetes: target, requested: '1.37', [`pool/batch`]: target });
  });

  it('a crash after the control plane: the re-run upgrades the pools only', async () => {
    const { fake, mgr, deps } = await created();
    fake.crashAt(1, 'before', 'clusterManager:updateNodePool');
    await expect(mgr.upgrade(id, upgrade('1.37'))).rejects.toSatisfy(isSimulatedCrash);
    const target = '1.37.1-gke.1120000';
    expect((await stateOf(deps, spec)).versions).toMatchObject({ controlPlane: target });
    fake.clearFaults();
    const out = await mgr.upgrade(id, upgrade('1.37'));
    expect(out.steps.map((s) => s.id)).toEqual([`upgrade/${target}/pool/general`, `upgrade/${target}/pool/batch`]);
    expect(fake.callsOf('clusterManager:updateMaster')).toHaveLength(1);
    expect(versions(fake)).toEqual({ master: target, general: target, batch: target });
  });

  it('dry run writes nothing; downgrade and two minors exit 2 before any call', async () => {
    const { fake, mgr, deps } = await created();
    const before = await stateBytes(deps, spec);
    const mutating = fake.mutatingCalls().length;
    const dry = await mgr.upgrade(id, upgrade('1.37', true));
    expect(dry.steps).toHaveLength(3);
    const calls = fake.calls.length;
    for (const to of ['1.35', '1.38']) expect(await exitOf(mgr.upgrade(id, upgrade(to)))).toBe(2);
    expect(fake.calls.length).toBe(calls);
    expect(fake.mutatingCalls().length).toBe(mutating);
    expect(await stateBytes(deps, spec)).toBe(before);
  });
});
