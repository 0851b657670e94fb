/**
 * Compute Engine handlers of FakeGcp: regions, machine types, images, networks, subnetworks,
 * firewalls, instances (PROVISIONING → RUNNING; STOPPING → gone) and zonal/regional/global
 * operations (PENDING → RUNNING → DONE over fake time). Dependencies as GCE enforces them: a
 * network or subnetwork in use cannot be deleted (the operation fails RESOURCE_IN_USE_BY_ANOTHER_RESOURCE).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { alreadyExists, googleError, notFound } from './errors.js';
import type { Env, Handler } from './env.js';

const last = (s: unknown) => (typeof s === 'string' ? s : '').split('/').pop()!;

/** The public images the fake knows, by name: Canonical's Ubuntu 24.04 for each architecture. */
const IMAGES: Record<string, { name: string; family: string; architecture: 'X86_64' | 'ARM64' }> = {
  'ubuntu-2404-noble-amd64-v20250101': {
    name: 'ubuntu-2404-noble-amd64-v20250101',
    family: 'ubuntu-2404-lts-amd64',
    architecture: 'X86_64',
  },
  'ubuntu-2404-noble-arm64-v20250101': {
    name: 'ubuntu-2404-noble-arm64-v20250101',
    family: 'ubuntu-2404-lts-arm64',
    architecture: 'ARM64',
  },
};
const archOf = (env: Env, machineType: string) =>
  env.config.armMachineTypes.includes(machineType) ? 'ARM64' : 'X86_64';

/** `labels.k = "v"` (ANDed with spaces); anything else matches everything. */
function matches(filter: string | undefined, labels: Record<string, string> | null | undefined): boolean {
  if (!filter) return true;
  const terms = [...filter.matchAll(/labels\.([a-z0-9_-]+)\s*=\s*"?([^"\s)]*)"?/g)];
  return terms.every(([, k, v]) => labels?.[k!] === v);
}

function get<T>(map: Map<string, { res: T }>, id: string): T {
  const r = map.get(id);
  if (!r) throw notFound(id);
  return r.res;
}

export const computeHandlers: Record<string, Handler> = {
  'regions:get': (env, req) => {
    const r = env.config.regions[req.region];
    if (!r) throw notFound(`projects/${req.project}/regions/${req.region}`);
    return {
      name: req.region,
      status: r.status ?? 'UP',
      zones: r.zones.map((z) => `https://www.googleapis.com/compute/v1/projects/${req.project}/zones/${z}`),
      quotas: [{ metric: 'CPUS', limit: r.cpuLimit, usage: r.cpuUsage + env.cpusInRegion(req.region) }],
    };
  },
  'machineTypes:get': (env, req) => {
    const cpus = env.config.machineTypes[req.machineType];
    if (!cpus || env.config.notOffered[req.zone]?.includes(req.machineType))
      throw notFound(`zones/${req.zone}/machineTypes/${req.machineType}`);
    return { name: req.machineType, guestCpus: cpus, zone: req.zone, architecture: archOf(env, req.machineType) };
  },
  'images:getFromFamily': (_env, req) => {
    const image = Object.values(IMAGES).find((i) => i.family === req.family);
    if (req.project !== 'ubuntu-os-cloud' || !image) throw notFound(`images/family/${req.family}`);
    return {
      ...image,
      selfLink: `https://www.googleapis.com/compute/v1/projects/ubuntu-os-cloud/global/images/${image.name}`,
    };
  },

  'networks:get': (env, req) => get(env.data.networks, `global/networks/${req.network}`),
  'networks:insert': (env, req) => {
    const id = `global/networks/${req.networkResource.name}`;
    if (env.data.networks.has(id)) throw alreadyExists(id);
    env.data.networks.set(id, {
      res: { ...req.networkResource, selfLink: env.link(id), id: env.nextId() },
      readyAt: env.now(),
    });
    return env.op('insert', {}, env.config.latencies.globalOp, id);
  },
  'networks:delete': (env, req) => {
    const id = `global/networks/${req.network}`;
    get(env.data.networks, id);
    const inUse = [...env.data.subnetworks.values(), ...env.data.firewalls.values()].some(
      (s) => last(s.res.network) === req.network,
    );
    if (inUse) return env.op('delete', {}, env.config.latencies.globalOp, id, { error: inUseError(id) });
    return env.op('delete', {}, env.config.latencies.globalOp, id, { removes: { kind: 'networks', id } });
  },

  'subnetworks:get': (env, req) => get(env.data.subnetworks, `regions/${req.region}/subnetworks/${req.subnetwork}`),
  'subnetworks:insert': (env, req) => {
    const r = req.subnetworkResource;
    const id = `regions/${req.region}/subnetworks/${r.name}`;
    if (env.data.subnetworks.has(id)) throw alreadyExists(id);
    if (!env.data.networks.has(`global/networks/${last(r.network)}`)) throw notFound(String(r.network));
    env.data.subnetworks.set(id, {
      res: { ...r, selfLink: env.link(id), id: env.nextId(), gatewayAddress: '10.0.0.1' },
      readyAt: env.now(),
    });
    return env.op('insert', { region: req.region }, env.config.latencies.regionOp, id);
  },
  'subnetworks:delete': (env, req) => {
    const id = `regions/${req.region}/subnetworks/${req.subnetwork}`;
    get(env.data.subnetworks, id);
    const inUse = [...env.data.instances.values()].some((i) =>
      i.res.networkInterfaces?.some((n) => String(n.subnetwork).endsWith(id)),
    );
    if (inUse)
      return env.op('delete', { region: req.region }, env.config.latencies.regionOp, id, { error: inUseError(id) });
    return env.op('delete', { region: req.region }, env.config.latencies.regionOp, id, {
      removes: { kind: 'subnetworks', id },
    });
  },

  'firewalls:get': (env, req) => get(env.data.firewalls, `global/firewalls/${req.firewall}`),
  'firewalls:list': (env, req) =>
    env.page(
      [...env.data.firewalls.values()].map((f) => f.res),
      req,
    ),
  'firewalls:insert': (env, req) => {
    const id = `global/firewalls/${req.firewallResource.name}`;
    if (env.data.firewalls.has(id)) throw alreadyExists(id);
    if (!env.data.networks.has(`global/networks/${last(req.firewallResource.network)}`))
      throw notFound(String(req.firewallResource.network));
    env.data.firewalls.set(id, {
      res: { ...req.firewallResource, selfLink: env.link(id), id: env.nextId() },
      readyAt: env.now(),
    });
    return env.op('insert', {}, env.config.latencies.globalOp, id);
  },
  // PATCH: the given fields replace the rule's; absent fields stay (as in the Compute API).
  'firewalls:patch': (env, req) => {
    const id = `global/firewalls/${req.firewall}`;
    const f = env.data.firewalls.get(id);
    if (!f) throw notFound(id);
    const patch = Object.fromEntries(
      Object.entries(req.firewallResource as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null),
    );
    f.res = { ...f.res, ...patch };
    return env.op('patch', {}, env.config.latencies.globalOp, id);
  },
  'firewalls:delete': (env, req) => {
    const id = `global/firewalls/${req.firewall}`;
    get(env.data.firewalls, id);
    return env.op('delete', {}, env.config.latencies.globalOp, id, { removes: { kind: 'firewalls', id } });
  },

  'instances:get': (env, req) =>
    env.instanceView(
      get(env.data.instances, `zones/${req.zone}/instances/${req.instance}`) &&
        `zones/${req.zone}/instances/${req.instance}`,
    ),
  'instances:list': (env, req) =>
    env.page(
      [...env.data.instances.keys()]
        .filter((id) => id.startsWith(`zones/${req.zone}/`))
        .map((id) => env.instanceView(id))
        .filter((i) => matches(req.filter, i.labels)),
      req,
    ),
  'instances:insert': (env, req) => {
    const r = req.instanceResource;
    const id = `zones/${req.zone}/instances/${r.name}`;
    if (env.data.instances.has(id)) throw alreadyExists(id);
    const mt = last(r.machineType);
    if (!env.config.machineTypes[mt] || env.config.notOffered[req.zone]?.includes(mt))
      throw googleError('INVALID_ARGUMENT', `Invalid value for field 'resource.machineType': '${r.machineType}'`);
    // Like Compute: the boot image must exist and be built for the machine type's architecture.
    const source = String(r.disks?.[0]?.initializeParams?.sourceImage ?? '');
    const image = IMAGES[source.split('/').pop() ?? ''];
    if (!image) throw notFound(source || 'resource.disks[0].initializeParams.sourceImage');
    if (image.architecture !== archOf(env, mt)) {
      throw googleError(
        'INVALID_ARGUMENT',
        `Invalid resource usage: 'Requested boot disk architecture (${image.architecture}) is not compatible with machine type architecture (${archOf(env, mt)}).'`,
      );
    }
    const sub = String(r.networkInterfaces?.[0]?.subnetwork ?? '');
    if (![...env.data.subnetworks.keys()].some((k) => sub.endsWith(k))) throw notFound(sub);
    const fault = env.opFault('instances:insert');
    if (fault) return env.op('insert', { zone: req.zone }, env.config.latencies.instanceOp, id, { error: fault });
    const n = env.nextIp();
    const mapped = env.config.ipMap[r.name] ?? {};
    env.data.instances.set(id, {
      res: {
        ...r,
        id: env.nextId(),
        selfLink: env.link(id),
        zone: env.link(`zones/${req.zone}`),
        machineType: env.link(`zones/${req.zone}/machineTypes/${mt}`),
        networkInterfaces: (r.networkInterfaces ?? []).map((ni: any) => ({
          ...ni,
          networkIP: mapped.privateIp ?? `10.0.${Math.floor(n / 250)}.${(n % 250) + 2}`,
          accessConfigs: ni.accessConfigs,
        })),
        status: 'PROVISIONING',
        natIp: mapped.publicIp ?? `203.0.${Math.floor(n / 250)}.${(n % 250) + 2}`,
      },
      readyAt: env.now() + env.config.latencies.instanceBoot,
    });
    return env.op('insert', { zone: req.zone }, env.config.latencies.instanceOp, id);
  },
  'instances:delete': (env, req) => {
    const id = `zones/${req.zone}/instances/${req.instance}`;
    const inst = env.data.instances.get(id);
    if (!inst) throw notFound(id);
    inst.goneAt ??= env.now() + env.config.latencies.instanceDelete;
    return env.op('delete', { zone: req.zone }, inst.goneAt - env.now(), id, { removes: { kind: 'instances', id } });
  },

  'zoneOperations:get': (env, req) => env.opView(`zones/${req.zone}/operations/${req.operation}`),
  'regionOperations:get': (env, req) => env.opView(`regions/${req.region}/operations/${req.operation}`),
  'globalOperations:get': (env, req) => env.opView(`global/operations/${req.operation}`),
  // `wait`: returns when the operation is DONE or after 2 minutes (fake time), like the real API.
  'zoneOperations:wait': (env, req) => env.waitOp(`zones/${req.zone}/operations/${req.operation}`),
  'regionOperations:wait': (env, req) => env.waitOp(`regions/${req.region}/operations/${req.operation}`),
  'globalOperations:wait': (env, req) => env.waitOp(`global/operations/${req.operation}`),
};

function inUseError(id: string) {
  return {
    code: 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE',
    message: `The ${id} resource is already being used by another resource`,
  };
}

export { matches };
