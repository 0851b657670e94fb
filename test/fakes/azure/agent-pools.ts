/**
 * FakeAzure's AKS agentPools endpoints (…/managedClusters/{c}/agentPools[/{p}]): GET, list, PUT
 * (create or update, async: Creating/Updating → Succeeded) and DELETE (async, then gone). The pools
 * a cluster was created with (its agentPoolProfiles) are the same pools; a pool PUT or DELETE keeps
 * that list in step. What AKS refuses is refused the same way: a PUT while an operation runs on the
 * pool or the cluster (409 OperationNotAllowed), a missing count, a count outside 0..1000 (1..1000
 * for System pools), minCount/maxCount without enableAutoScaling (the rule hashicorp's azurerm
 * provider states: they must be null when auto scaling is off), zones without a scale-set pool or
 * not offered for the size in the region, a change of what is fixed at creation (vmSize,
 * availabilityZones, scaleSetPriority, osType: PropertyChangeNotAllowed), labels and taints AKS
 * refuses (routes.ts agentPoolRefusal), and deleting the last System pool.
 */
import { armError, type FakeAzure, type Reply } from './fake-azure.js';
import type { ArmRes, Json } from './model.js';
import { agentPoolRefusal, asyncHeaders, notFound } from './routes.js';

const TYPE = 'Microsoft.ContainerService/managedClusters/agentPools';
const FIXED = ['vmSize', 'availabilityZones', 'scaleSetPriority', 'osType'];

interface Where {
  clusterId: string;
  group: string;
  pool?: string;
}

const profilesOf = (c: ArmRes) => (c.properties['agentPoolProfiles'] as Json[] | undefined) ?? [];
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The pool as its own resource: made from the cluster's profile the first time it is addressed. */
function poolRes(fake: FakeAzure, cluster: ArmRes, name: string): ArmRes | undefined {
  const id = `${cluster.id}/agentPools/${name}`;
  const own = fake.model.get(id);
  if (own) return own;
  const profile = profilesOf(cluster).find((p) => String(p['name']).toLowerCase() === name.toLowerCase());
  if (!profile) return undefined;
  const { name: _n, ...props } = profile;
  const r: ArmRes = {
    id,
    type: TYPE,
    name: String(profile['name']),
    group: cluster.group,
    location: cluster.location,
    tags: {},
    extra: {},
    properties: props,
    state: cluster.state === 'Succeeded' ? 'Succeeded' : cluster.state,
  };
  fake.model.resources.set(id.toLowerCase(), r);
  return r;
}

function syncProfile(cluster: ArmRes, name: string, props: Json | undefined): void {
  const rest = profilesOf(cluster).filter((p) => String(p['name']).toLowerCase() !== name.toLowerCase());
  cluster.properties['agentPoolProfiles'] = props ? [...rest, { name, ...props }] : rest;
}

function refusal(fake: FakeAzure, cluster: ArmRes, props: Json, existing: ArmRes | undefined): Reply | undefined {
  const bad = (message: string) => armError(400, 'InvalidParameter', message);
  const count = props['count'];
  const system = props['mode'] === 'System';
  if (typeof count !== 'number') return bad('Required parameter properties.count is missing (null).');
  if (count < (system ? 1 : 0) || count > 1000)
    return bad(`The value of parameter agentPoolProfile.count is invalid: ${count}`);
  if ((props['minCount'] !== undefined || props['maxCount'] !== undefined) && props['enableAutoScaling'] !== true)
    return bad('minCount and maxCount must be null when enableAutoScaling is false');
  const zones = props['availabilityZones'] as string[] | undefined;
  if (zones?.length) {
    if (props['type'] !== 'VirtualMachineScaleSets')
      return bad('availabilityZones can only be set when the pool type is VirtualMachineScaleSets');
    const sku = fake.config.skus.find((s) => s.name === props['vmSize']);
    const offered = sku?.zones ?? ['1', '2', '3'];
    const missing = zones.find((z) => !offered.includes(z));
    if (missing !== undefined)
      return armError(
        400,
        'AvailabilityZoneNotSupported',
        `The zone(s) '${missing}' for resource '${String(props['vmSize'])}' is not supported in location '${cluster.location}'. The supported availability zones are '${offered.join(',')}'.`,
      );
  }
  if (!fake.config.skus.some((s) => s.name === props['vmSize']))
    return bad(
      `The VM size of ${String(props['vmSize'])} is not allowed in your subscription in location '${cluster.location}'.`,
    );
  for (const k of FIXED) {
    if (existing && !same(existing.properties[k], props[k]))
      return armError(400, 'PropertyChangeNotAllowed', `Changing property '${k}' is not allowed.`);
  }
  return agentPoolRefusal({ agentPoolProfiles: [props] });
}

export function agentPools(fake: FakeAzure, req: { method: string; body: Json | undefined }, where: Where): Reply {
  const m = fake.model;
  const cluster = m.get(where.clusterId);
  if (!cluster || cluster.state === 'Deleting') return notFound(where.clusterId);
  if (where.pool === undefined) {
    if (req.method !== 'GET') return armError(405, 'MethodNotAllowed', req.method);
    const names = new Set([
      ...profilesOf(cluster).map((p) => String(p['name'])),
      ...m
        .inGroup(where.group, TYPE)
        .filter((r) => r.id.toLowerCase().startsWith(`${cluster.id.toLowerCase()}/`))
        .map((r) => r.name),
    ]);
    return { status: 200, body: { value: [...names].map((n) => m.wire(poolRes(fake, cluster, n)!)) } };
  }
  const name = where.pool;
  const existing = poolRes(fake, cluster, name);
  const busy = (r: ArmRes) =>
    armError(
      409,
      'OperationNotAllowed',
      `Operation is not allowed because there's an in progress ${r.state.toLowerCase()} operation on ${r.name}.`,
    );
  if (req.method === 'GET')
    return existing ? { status: 200, body: m.wire(existing) } : notFound(`${cluster.id}/agentPools/${name}`);
  if (req.method === 'DELETE') {
    if (!existing) return { status: 204 };
    if (existing.state === 'Creating' || existing.state === 'Updating') return busy(existing);
    const systems = profilesOf(cluster).filter((p) => p['mode'] === 'System');
    if (existing.properties['mode'] === 'System' && systems.length <= 1)
      return armError(400, 'OperationNotAllowed', 'A cluster must have at least one System agent pool.');
    existing.state = 'Deleting';
    syncProfile(cluster, existing.name, undefined);
    return {
      status: 202,
      headers: asyncHeaders(m.startOp(existing, 'DELETE', fake.now + fake.latency('DELETE', 'agentPools'))),
    };
  }
  if (req.method !== 'PUT') return armError(405, 'MethodNotAllowed', req.method);
  if (cluster.state !== 'Succeeded') return busy(cluster);
  if (existing && existing.state !== 'Succeeded' && existing.state !== 'Failed') return busy(existing);
  const props = { ...((req.body?.['properties'] as Json | undefined) ?? {}) };
  delete props['provisioningState'];
  const refused = refusal(fake, cluster, props, existing);
  if (refused) return refused;
  const r: ArmRes = existing ?? {
    id: `${cluster.id}/agentPools/${name}`,
    type: TYPE,
    name,
    group: cluster.group,
    location: cluster.location,
    tags: {},
    extra: {},
    properties: {},
    state: 'Creating',
  };
  r.properties = props;
  r.state = existing ? 'Updating' : 'Creating';
  m.resources.set(r.id.toLowerCase(), r);
  syncProfile(cluster, r.name, props);
  const op = m.startOp(r, 'PUT', fake.now + fake.latency('PUT', 'agentPools'), fake.operationFailure('PUT agentPools'));
  return { status: existing ? 200 : 201, body: m.wire(r), headers: asyncHeaders(op) };
}
