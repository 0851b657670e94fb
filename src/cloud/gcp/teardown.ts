/**
 * Deleting what a cluster owns, found by state *and* by a sweep (instances by label; firewall rules,
 * subnetwork and network by deterministic name plus the ownership marker), in dependency order:
 * instances → firewall rules → subnetwork → network. "Not found" is done; a network still in use
 * is retried with backoff. Safe to re-run; a re-run after a complete delete makes no mutating call.
 */
import { randomUUID } from 'node:crypto';
import { forget, recorded, recordedKeys } from '../common/record.js';
import type { GcpCtx } from './context.js';
import { firewallKey } from './firewall.js';
import { deleteInstance, instanceId, parseInstanceId } from './machines.js';
import { clusterFilter, firewallPrefix, networkName, ownedBy, subnetName } from './naming.js';
import { NETWORK_KEY, recordedZones, SUBNET_KEY } from './network.js';
import { deleteAndWait, getOrUndefined, lastSegment } from './operations.js';
import { inPool } from './pool.js';

/** Instance deletes in flight at once. */
const INSTANCE_DELETES = 32;

async function regionZones(cloud: GcpCtx): Promise<string[]> {
  const region = await getOrUndefined(() => cloud.api.gce.getRegion(cloud.spec.region));
  return [...new Set([...(region?.zones ?? []).map(lastSegment), ...(recordedZones(cloud) ?? [])])].sort();
}

export async function deleteInstances(cloud: GcpCtx): Promise<void> {
  const ids = new Set<string>();
  for (const k of recordedKeys(cloud.ctx, 'instance/')) ids.add(recorded(cloud.ctx, k)!.id);
  for (const m of Object.values(cloud.ctx.cluster.state?.machines ?? {})) if (m.providerId) ids.add(m.providerId);
  const zones = await regionZones(cloud);
  const swept = await Promise.all(zones.map((z) => cloud.api.gce.listInstances(z, clusterFilter(cloud.spec))));
  for (const [i, list] of swept.entries()) for (const inst of list) ids.add(instanceId(zones[i]!, String(inst.name)));
  // Only what still exists: a recorded id already gone costs no delete call.
  const alive = (
    await Promise.all(
      [...ids].map(async (id) => {
        const w = parseInstanceId(id);
        return w && (await getOrUndefined(() => cloud.api.gce.getInstance(w.zone, w.name))) ? id : undefined;
      }),
    )
  ).filter((x): x is string => !!x);
  if (alive.length > 0) cloud.log.info(`deleting ${alive.length} instance(s)`);
  // Each delete waits ≈40 s on its operation (a long-poll call): many at once, not 8 in lockstep.
  await inPool(alive, INSTANCE_DELETES, (id) => deleteInstance(cloud, id));
  const keys = recordedKeys(cloud.ctx, 'instance/');
  if (keys.length > 0 || Object.keys(cloud.ctx.cluster.state?.machines ?? {}).length > 0) {
    await cloud.ctx.cluster.update((s) => {
      for (const k of keys) delete s.resources[k];
      s.machines = {};
    });
  }
}

export async function deleteFirewalls(cloud: GcpCtx): Promise<void> {
  const prefix = firewallPrefix(cloud.spec);
  const names = new Set(recordedKeys(cloud.ctx, 'firewall/').map((k) => recorded(cloud.ctx, k)!.name!));
  for (const f of await cloud.api.gce.listFirewalls()) {
    if (f.name?.startsWith(prefix) && ownedBy(f.description, cloud.spec)) names.add(f.name);
  }
  await inPool([...names], names.size, async (name) => {
    const f = await getOrUndefined(() => cloud.api.gce.getFirewall(name));
    if (f && ownedBy(f.description, cloud.spec)) {
      await deleteAndWait(cloud, `firewall rule ${name}`, () => cloud.api.gce.deleteFirewall(name, randomUUID()));
    }
  });
  await forget(cloud.ctx, ...[...names].map(firewallKey), ...recordedKeys(cloud.ctx, 'firewall/'));
}

/** Subnetwork, then network: shared by the self-managed and GKE teardowns. */
export async function deleteNetwork(cloud: GcpCtx): Promise<void> {
  const { gce } = cloud.api;
  const sub = subnetName(cloud.spec);
  const s = await getOrUndefined(() => gce.getSubnetwork(cloud.spec.region, sub));
  if (s && ownedBy(s.description, cloud.spec)) {
    await deleteAndWait(cloud, `subnetwork ${sub}`, () => gce.deleteSubnetwork(cloud.spec.region, sub, randomUUID()));
  }
  await forget(cloud.ctx, SUBNET_KEY);
  const net = networkName(cloud.spec);
  const n = await getOrUndefined(() => gce.getNetwork(net));
  if (n && ownedBy(n.description, cloud.spec)) {
    await deleteAndWait(cloud, `network ${net}`, () => gce.deleteNetwork(net, randomUUID()));
  }
  await forget(cloud.ctx, NETWORK_KEY);
}

export async function destroySelfManaged(cloud: GcpCtx): Promise<void> {
  await deleteInstances(cloud);
  await deleteFirewalls(cloud);
  await deleteNetwork(cloud);
}
