/**
 * The SDK clients, each loaded by deep import on its first call (ARCHITECTURE.md decision 6: the
 * package index loads every Compute client, ≈0.9 s; one client ≈0.2 s). Each call is one method
 * of a generated client; throttling (RESOURCE_EXHAUSTED / 429) and UNAVAILABLE are retried here
 * with backoff on the runtime's clock — safe for inserts because they carry a `requestId`.
 */
import { ProviderError } from '../../errors.js';
import { isThrottled } from './errors.js';
import type { GcpRuntime } from './runtime.js';
import type { GceApi, GcpClientName, GcpClients, GkeApi, GkeCluster, GkeNodePool, Operation } from './sdk.js';

/**
 * A generated gax client seen by method name: each RPC takes a request object and resolves to
 * `[response, ...]`. GceApi and GkeApi (sdk.ts) are the typed surface; this file is the one place that
 * calls a client by method name.
 */
type RpcClient = Record<string, ((request: Record<string, unknown>) => Promise<unknown[]>) | undefined>;
type RpcClientClass = new (opts: Record<string, unknown>) => RpcClient;
const rpc = (clientClass: unknown) => clientClass as RpcClientClass;

const LOADERS: Record<GcpClientName, () => Promise<RpcClientClass>> = {
  regions: async () => rpc((await import('@google-cloud/compute/build/src/v1/regions_client.js')).RegionsClient),
  machineTypes: async () =>
    rpc((await import('@google-cloud/compute/build/src/v1/machine_types_client.js')).MachineTypesClient),
  images: async () => rpc((await import('@google-cloud/compute/build/src/v1/images_client.js')).ImagesClient),
  networks: async () => rpc((await import('@google-cloud/compute/build/src/v1/networks_client.js')).NetworksClient),
  subnetworks: async () =>
    rpc((await import('@google-cloud/compute/build/src/v1/subnetworks_client.js')).SubnetworksClient),
  firewalls: async () => rpc((await import('@google-cloud/compute/build/src/v1/firewalls_client.js')).FirewallsClient),
  instances: async () => rpc((await import('@google-cloud/compute/build/src/v1/instances_client.js')).InstancesClient),
  zoneOperations: async () =>
    rpc((await import('@google-cloud/compute/build/src/v1/zone_operations_client.js')).ZoneOperationsClient),
  regionOperations: async () =>
    rpc((await import('@google-cloud/compute/build/src/v1/region_operations_client.js')).RegionOperationsClient),
  globalOperations: async () =>
    rpc((await import('@google-cloud/compute/build/src/v1/global_operations_client.js')).GlobalOperationsClient),
  clusterManager: async () =>
    rpc((await import('@google-cloud/container/build/src/v1/cluster_manager_client.js')).ClusterManagerClient),
};

const MAX_ATTEMPTS = 10;

let protoCachePatched = false;
/**
 * gax caches each client's parsed protos under a hash of `JSON.stringify(protos)` — for Compute's
 * multi-megabyte proto JSON that is ≈80 ms per client constructed, ≈0.8 s for the ten a create
 * uses. Every Compute client passes the *same* required JSON object, so an identity cache in front
 * gives the same root without re-hashing. Falls back silently if gax's internals differ.
 */
async function patchProtoCache(): Promise<void> {
  if (protoCachePatched) return;
  protoCachePatched = true;
  type ProtobufFromJson = (json: object, ignoreCache?: boolean) => unknown;
  const gax = (await import('google-gax')) as unknown as {
    fallback?: { GrpcClient?: { protobufFromJSON?: ProtobufFromJson } };
  };
  const G = gax.fallback?.GrpcClient;
  if (typeof G?.protobufFromJSON !== 'function') return;
  const original = G.protobufFromJSON.bind(G);
  const byObject = new WeakMap<object, unknown>();
  G.protobufFromJSON = (json: object, ignoreCache = false) => {
    if (ignoreCache || typeof json !== 'object' || json === null) return original(json, ignoreCache);
    let root = byObject.get(json);
    if (!root) byObject.set(json, (root = original(json)));
    return root;
  };
}

/** Every GCP client for one project; nothing loads until a method is called. */
export function createGcpClients(project: string, runtime: GcpRuntime): GcpClients {
  const cache = new Map<GcpClientName, Promise<RpcClient>>();
  const client = (name: GcpClientName): Promise<RpcClient> => {
    let p = cache.get(name);
    if (!p) {
      p = LOADERS[name]().then(async (Ctor) => {
        await patchProtoCache();
        // fallback: REST transport (what Compute uses anyway), no gRPC stack for GKE either.
        const c = new Ctor({ projectId: project, fallback: true, ...runtime.clientOptions });
        runtime.configureClient?.(c, name);
        return c;
      });
      p.catch(() => cache.delete(name));
      cache.set(name, p);
    }
    return p;
  };

  /** One call with throttling retries; returns the first element of gax's `[response, ...]`. */
  const call = async <T>(name: GcpClientName, method: string, request: Record<string, unknown>): Promise<T> => {
    const c = await client(name);
    for (let attempt = 1; ; attempt++) {
      try {
        const rpcMethod = c[method];
        if (!rpcMethod) throw new ProviderError(`the ${name} client has no method ${method}`);
        const [res] = await rpcMethod.call(c, request);
        return res as T;
      } catch (e) {
        if (!isThrottled(e) || attempt >= MAX_ATTEMPTS) throw e;
        const delay = Math.min(30_000, 500 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        await runtime.clock.sleep(delay);
      }
    }
  };
  /** Compute inserts/deletes resolve to an LRO wrapper whose `latestResponse` is the Operation. */
  const op = async (name: GcpClientName, method: string, request: Record<string, unknown>): Promise<Operation> => {
    const res = await call<{ latestResponse?: Operation }>(name, method, request);
    if (!res?.latestResponse) throw new ProviderError(`${name}.${method} returned no operation`);
    return res.latestResponse;
  };
  const list = async <T>(name: GcpClientName, request: Record<string, unknown>): Promise<T[]> =>
    (await call<T[] | null>(name, 'list', request)) ?? [];

  const gce: GceApi = {
    getRegion: (region) => call('regions', 'get', { project, region }),
    getMachineType: (zone, machineType) => call('machineTypes', 'get', { project, zone, machineType }),
    getImageFromFamily: (imageProject, family) => call('images', 'getFromFamily', { project: imageProject, family }),
    getNetwork: (network) => call('networks', 'get', { project, network }),
    insertNetwork: (networkResource, requestId) => op('networks', 'insert', { project, networkResource, requestId }),
    deleteNetwork: (network, requestId) => op('networks', 'delete', { project, network, requestId }),
    getSubnetwork: (region, subnetwork) => call('subnetworks', 'get', { project, region, subnetwork }),
    insertSubnetwork: (region, subnetworkResource, requestId) =>
      op('subnetworks', 'insert', { project, region, subnetworkResource, requestId }),
    deleteSubnetwork: (region, subnetwork, requestId) =>
      op('subnetworks', 'delete', { project, region, subnetwork, requestId }),
    getFirewall: (firewall) => call('firewalls', 'get', { project, firewall }),
    listFirewalls: (filter) => list('firewalls', { project, ...(filter ? { filter } : {}) }),
    insertFirewall: (firewallResource, requestId) =>
      op('firewalls', 'insert', { project, firewallResource, requestId }),
    patchFirewall: (firewall, firewallResource, requestId) =>
      op('firewalls', 'patch', { project, firewall, firewallResource, requestId }),
    deleteFirewall: (firewall, requestId) => op('firewalls', 'delete', { project, firewall, requestId }),
    getInstance: (zone, instance) => call('instances', 'get', { project, zone, instance }),
    listInstances: (zone, filter) => list('instances', { project, zone, ...(filter ? { filter } : {}) }),
    insertInstance: (zone, instanceResource, requestId) =>
      op('instances', 'insert', { project, zone, instanceResource, requestId }),
    deleteInstance: (zone, instance, requestId) => op('instances', 'delete', { project, zone, instance, requestId }),
    waitOperation: (o) => {
      const operation = String(o.name);
      const last = (url: string | null | undefined) => String(url).split('/').pop()!;
      if (o.zone) return call('zoneOperations', 'wait', { project, zone: last(o.zone), operation });
      if (o.region) return call('regionOperations', 'wait', { project, region: last(o.region), operation });
      return call('globalOperations', 'wait', { project, operation });
    },
  };

  const cm = <T>(method: string, request: Record<string, unknown>) => call<T>('clusterManager', method, request);
  const gke: GkeApi = {
    getServerConfig: (location) => cm('getServerConfig', { name: `projects/${project}/locations/${location}` }),
    getCluster: (name) => cm('getCluster', { name }),
    listClusters: async (parent) =>
      (await cm<{ clusters?: GkeCluster[] | null }>('listClusters', { parent }))?.clusters ?? [],
    createCluster: (parent, cluster) => cm('createCluster', { parent, cluster }),
    deleteCluster: (name) => cm('deleteCluster', { name }),
    getNodePool: (name) => cm('getNodePool', { name }),
    listNodePools: async (parent) =>
      (await cm<{ nodePools?: GkeNodePool[] | null }>('listNodePools', { parent }))?.nodePools ?? [],
    createNodePool: (parent, nodePool) => cm('createNodePool', { parent, nodePool }),
    deleteNodePool: (name) => cm('deleteNodePool', { name }),
    setNodePoolSize: (name, nodeCount) => cm('setNodePoolSize', { name, nodeCount }),
    updateCluster: (name, update) => cm('updateCluster', { name, update }),
    updateMaster: (name, masterVersion) => cm('updateMaster', { name, masterVersion }),
    updateNodePool: (request) => cm('updateNodePool', { ...request }),
    getOperation: (name) => cm('getOperation', { name }),
  };

  return { project, gce, gke };
}
