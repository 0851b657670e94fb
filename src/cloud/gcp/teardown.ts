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

async function regionZones(g: GcpCtx): Promise<string[]> {
  const region = await getOrUndefined(() => g.api.gce.getRegion(g.spec.region));
  return [...new Set([...(region?.zones ?? []).map(lastSegment), ...(recordedZones(g) ?? [])])].sort();
}

export async function deleteInstances(g: GcpCtx): Promise<void> {
  const ids = new Set<string>();
  for (const k of recordedKeys(g.ctx, 'instance/')) ids.add(recorded(g.ctx, k)!.id);
  for (const m of Object.values(g.ctx.cluster.state?.machines ?? {})) if (m.providerId) ids.add(m.providerId);
  const zones = await regionZones(g);
  const swept = await Promise.all(zones.map((z) => g.api.gce.listInstances(z, clusterFilter(g.spec))));
  for (const [i, list] of swept.entries()) for (const inst of list) ids.add(instanceId(zones[i]!, String(inst.name)));
  // Only what still exists: a recorded id already gone costs no delete call.
  const alive = (
    await Promise.all(
      [...ids].map(async (id) => {
        const w = parseInstanceId(id);
        return w && (await getOrUndefined(() => g.api.gce.getInstance(w.zone, w.name))) ? id : undefined;
      }),
    )
  ).filter((x): x is string => !!x);
  if (alive.length > 0) g.log.info(`deleting ${alive.length} instance(s)`);
  // Each delete waits ≈40 s on its operation (a long-poll call): many at once, not 8 in lockstep.
  await inPool(alive, INSTANCE_DELETES, (id) => deleteInstance(g, id));
  const keys = recordedKeys(g.ctx, 'instance/');
  if (keys.length > 0 || Object.keys(g.ctx.cluster.state?.machines ?? {}).length > 0) {
    await g.ctx.cluster.update((s) => {
      for (const k of keys) delete s.resources[k];
      s.machines = {};
    });
  }
}

export async function deleteFirewalls(g: GcpCtx): Promise<void> {
  const prefix = firewallPrefix(g.spec);
  const names = new Set(recordedKeys(g.ctx, 'firewall/').map((k) => recorded(g.ctx, k)!.name!));
  for (const f of await g.api.gce.listFirewalls()) {
    if (f.name?.startsWith(prefix) && ownedBy(f.description, g.spec)) names.add(f.name);
  }
  await inPool([...names], names.size, async (name) => {
    const f = await getOrUndefined(() => g.api.gce.getFirewall(name));
    if (f && ownedBy(f.description, g.spec)) {
      await deleteAndWait(g, `firewall rule ${name}`, () => g.api.gce.deleteFirewall(name, randomUUID()));
    }
  });
  await forget(g.ctx, ...[...names].map(firewallKey), ...recordedKeys(g.ctx, 'firewall/'));
}

/** Subnetwork, then network: shared by the self-managed and GKE teardowns. */
export async function deleteNetwork(g: GcpCtx): Promise<void> {
  const { gce } = g.api;
  const sub = subnetName(g.spec);
  const s = await getOrUndefined(() => gce.getSubnetwork(g.spec.region, sub));
  if (s && ownedBy(s.description, g.spec)) {
    await deleteAndWait(g, `subnetwork ${sub}`, () => gce.deleteSubnetwork(g.spec.region, sub, randomUUID()));
  }
  await forget(g.ctx, SUBNET_KEY);
  const net = networkName(g.spec);
  const n = await getOrUndefined(() => gce.getNetwork(net));
  if (n && ownedBy(n.description, g.spec)) {
    await deleteAndWait(g, `network ${net}`, () => gce.deleteNetwork(net, randomUUID()));
  }
  await forget(g.ctx, NETWORK_KEY);
}

export async function destroySelfManaged(g: GcpCtx): Promise<void> {
  await deleteInstances(g);
  await deleteFirewalls(g);
  await deleteNetwork(g);
}
