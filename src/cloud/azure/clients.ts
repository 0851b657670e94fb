/**
 * The real AzureApi: the four ARM SDKs and @azure/identity, each `await import()`ed on first use so
 * that importing the provider loads no SDK. A PUT of a VM or a network resource is submitted through
 * the SDK, then waited on with every other one (provisioning-watch.ts: a list per type and group per
 * tick) rather than by its own poller; deletes and AKS go through the SDK's poller. Every wait is
 * bounded (runtime.lroTimeoutMs) and stops with the step's abort signal.
 */
import type { ContainerServiceClient } from '@azure/arm-containerservice';
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/core-auth';
import { ProviderError } from '../../errors.js';
import { ProvisioningFailedError, ProvisioningWatcher, type ArmTarget } from './provisioning-watch.js';
import { CoalescedLookup } from './coalesced-lookup.js';
import { getOrUndefined } from './errors.js';
import type { ArmOps, ArmResource, AzureApi } from './sdk.js';
import { WATCH_INTERVAL_MS, type AzureRuntime } from './runtime.js';

/** Options shared by every client: ARM throttles bursts, so retry more than the SDK default (3). */
function clientOptions(runtime: AzureRuntime): Record<string, unknown> {
  return { retryOptions: { maxRetries: 8 }, userAgentOptions: { userAgentPrefix: 'ksctl' }, ...runtime.clientOptions };
}

async function credentialOf(runtime: AzureRuntime): Promise<TokenCredential> {
  if (runtime.credential) return runtime.credential;
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential();
}

/** Memoises a lazily built value (an SDK client). */
function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= make().catch((e: unknown) => ((p = undefined), Promise.reject(e))));
}

// The SDKs' own method types differ per package (classic vs. modular); this is the shape we use.
type Op = {
  get(g: string, n: string, o?: unknown): Promise<unknown>;
  [k: string]: unknown;
};
type Fn = (...a: unknown[]) => Promise<unknown>;
/** What ksctl uses of an SDK poller (core-lro 2 and 3) once the PUT is submitted. */
interface Submitted {
  pollUntilDone(opts?: { abortSignal?: AbortSignal }): Promise<unknown>;
}
/** core-lro 3 (modular SDKs): returned at once, the PUT in flight; awaiting it polls to the end. */
interface ModularPoller extends Submitted {
  submitted(): Promise<void>;
}
/** SDK operation groups the watcher lists: network (classic) and compute (modular) alike. */
type Listing = Record<string, { list(group: string): AsyncIterable<unknown> }>;

/** Watched types the network client lists; the others (virtualMachines) the compute client. */
const NETWORK_TYPES = [
  'virtualNetworks',
  'networkSecurityGroups',
  'applicationSecurityGroups',
  'publicIPAddresses',
  'networkInterfaces',
];

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Clients are built once per subscription; each AzureApi made from them honours one abort signal. */
export function azureApiFactory(runtime: AzureRuntime, subscriptionId: string): (signal?: AbortSignal) => AzureApi {
  const cred = lazy(() => credentialOf(runtime));
  const opts = clientOptions(runtime);
  const resources = lazy(
    async () => new (await import('@azure/arm-resources')).ResourceManagementClient(await cred(), subscriptionId, opts),
  );
  const network = lazy(
    async () => new (await import('@azure/arm-network')).NetworkManagementClient(await cred(), subscriptionId, opts),
  );
  const compute = lazy(
    async () => new (await import('@azure/arm-compute')).ComputeManagementClient(await cred(), subscriptionId, opts),
  );
  const aks = lazy(
    async () =>
      new (await import('@azure/arm-containerservice')).ContainerServiceClient(await cred(), subscriptionId, opts),
  );
  const listing = async (type: string) =>
    ((NETWORK_TYPES.includes(type) ? await network() : await compute()) as unknown as Listing)[type]!;
  const list = async (group: string, type: string) =>
    (await collect((await listing(type)).list(group))) as ArmResource[];
  // Existence checks before PUTs made together share one list per type (coalesced-lookup.ts).
  const lookup = new CoalescedLookup(list);
  // One watcher for every step of this subscription: its ticks list each type once for all of them.
  const watcher = new ProvisioningWatcher(
    list,
    async (t: ArmTarget) => {
      const ops = (await listing(t.type)) as unknown as Op;
      return getOrUndefined(async () => (await ops.get(t.group, t.name)) as ArmResource);
    },
    runtime.watchIntervalMs ?? WATCH_INTERVAL_MS,
  );
  return (signal) =>
    createAzureApi({ runtime, subscriptionId, resources, network, compute, aks, watcher, lookup }, signal);
}

interface Clients {
  runtime: AzureRuntime;
  subscriptionId: string;
  resources: () => Promise<ResourceManagementClient>;
  network: () => Promise<NetworkManagementClient>;
  compute: () => Promise<ComputeManagementClient>;
  aks: () => Promise<ContainerServiceClient>;
  watcher: ProvisioningWatcher;
  lookup: CoalescedLookup;
}

function createAzureApi(c: Clients, signal?: AbortSignal): AzureApi {
  const { runtime, subscriptionId, resources, network, compute, aks, watcher, lookup } = c;
  /**
   * Runs one long-running operation with its own abort signal: aborted by the step's signal or after
   * runtime.lroTimeoutMs. The listener on the step's signal is removed when the operation settles,
   * so a create with many LROs does not pile listeners onto one signal.
   */
  const lro = async <T>(run: (opts: Record<string, unknown>) => Promise<T>): Promise<T> => {
    const ac = new AbortController();
    const onAbort = () => ac.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => ac.abort(), runtime.lroTimeoutMs);
    timer.unref?.();
    try {
      return await run({
        abortSignal: ac.signal,
        ...(runtime.pollIntervalMs !== undefined ? { updateIntervalInMs: runtime.pollIntervalMs } : {}),
      });
    } catch (e) {
      if (!ac.signal.aborted) throw e;
      // The SDK's AbortError says nothing: report why we stopped waiting.
      if (signal?.aborted) throw signal.reason ?? e;
      throw new ProviderError(`an Azure operation did not finish within ${Math.round(runtime.lroTimeoutMs / 1000)} s`, {
        cause: e,
        hint: 'see the Activity log of the resource group in the Azure portal, then run the command again',
      });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  };
  const call = signal ? { abortSignal: signal } : {};
  /**
   * Waits for a submitted PUT through the watcher, bounded and abortable like every other wait
   * (lro). When the resource ends Failed, the operation's own poller is asked once, for ARM's error
   * (the list shows only the state).
   */
  const provisioned = async (type: string, g: string, n: string, poller: Submitted): Promise<ArmResource> => {
    try {
      return await lro((x) =>
        watcher.provisioned(
          { group: g, type, name: n },
          { timeoutMs: Infinity, signal: x['abortSignal'] as AbortSignal },
        ),
      );
    } catch (e) {
      if (e instanceof ProvisioningFailedError) await lro((x) => poller.pollUntilDone(x));
      throw e;
    }
  };
  const settled = (type: string) => (g: string, n: string) =>
    lro((x) =>
      watcher.settled({ group: g, type, name: n }, { timeoutMs: Infinity, signal: x['abortSignal'] as AbortSignal }),
    );

  /** Classic SDKs (network): beginX sends the request (and polls once) and returns the poller. */
  const classic = (client: () => Promise<unknown>, group: string): ArmOps => {
    const ops = async () => (await client()) as Record<string, Op>;
    return {
      get: async (g, n) => (await (await ops())[group]!.get(g, n, call)) as ArmResource,
      put: async (g, n, body) => {
        const o = (await ops())[group]!;
        const poller = (await lro((x) => (o.beginCreateOrUpdate as Fn).call(o, g, n, body, x))) as Submitted;
        return provisioned(group, g, n, poller);
      },
      delete: async (g, n) => {
        const o = (await ops())[group]!;
        await lro((x) => (o.beginDeleteAndWait as Fn).call(o, g, n, x));
      },
      settled: settled(group),
      find: (g, n) => lookup.find(g, group, n),
    };
  };
  /**
   * Modular SDKs (compute 24, containerservice 25): createOrUpdate/delete return a poller at once,
   * with the request in flight; the poller is a thenable that polls to the end when awaited, so it
   * is only ever handed around wrapped. `watched`: wait through the watcher, else the poller (AKS:
   * one long operation, and its list would be another client's).
   */
  const modular = (client: () => Promise<unknown>, group: string, watched: boolean): ArmOps => {
    const ops = async () => (await client()) as Record<string, Op>;
    return {
      get: async (g, n) => (await (await ops())[group]!.get(g, n, call)) as ArmResource,
      put: async (g, n, body) => {
        const o = (await ops())[group]!;
        if (!watched)
          return (await lro(async (x) => await (o.createOrUpdate as Fn).call(o, g, n, body, x))) as ArmResource;
        const { poller } = await lro(async (x) => {
          const p = (o.createOrUpdate as (...a: unknown[]) => ModularPoller).call(o, g, n, body, x);
          await p.submitted();
          return { poller: p };
        });
        return provisioned(group, g, n, poller);
      },
      delete: async (g, n) => {
        const o = (await ops())[group]!;
        await lro(async (x) => await (o.delete as Fn).call(o, g, n, x));
      },
      ...(watched ? { settled: settled(group), find: (g: string, n: string) => lookup.find(g, group, n) } : {}),
    };
  };

  return {
    subscriptionId,
    resourceGroups: {
      get: async (name) => (await resources()).resourceGroups.get(name, call) as Promise<ArmResource>,
      put: async (name, body) =>
        (await resources()).resourceGroups.createOrUpdate(name, body as never, call) as Promise<ArmResource>,
      delete: async (name) => {
        const rg = (await resources()).resourceGroups;
        await lro((x) => rg.beginDeleteAndWait(name, x));
      },
    },
    virtualNetworks: classic(network, 'virtualNetworks'),
    networkSecurityGroups: classic(network, 'networkSecurityGroups'),
    applicationSecurityGroups: classic(network, 'applicationSecurityGroups'),
    publicIPAddresses: classic(network, 'publicIPAddresses'),
    networkInterfaces: classic(network, 'networkInterfaces'),
    virtualMachines: modular(compute, 'virtualMachines', true),
    managedClusters: modular(aks, 'managedClusters', false),
    agentPools: {
      get: async (g, c, n) => (await aks()).agentPools.get(g, c, n, call),
      list: async (g, c) => collect((await aks()).agentPools.list(g, c, call)),
      put: async (g, c, n, body) => {
        const ops = (await aks()).agentPools;
        return lro(async (x) => await ops.createOrUpdate(g, c, n, body, x));
      },
      delete: async (g, c, n) => {
        const ops = (await aks()).agentPools;
        await lro(async (x) => await ops.delete(g, c, n, x));
      },
    },
    resourceSkus: async (location) =>
      collect((await compute()).resourceSkus.list({ filter: `location eq '${location}'`, ...call })),
    usages: async (location) => collect((await compute()).usage.list(location, call)),
    kubernetesVersions: async (location) =>
      (await (await aks()).managedClusters.listKubernetesVersions(location, call)).values ?? [],
    clusterUserKubeconfigs: async (group, name) => {
      const out = await (await aks()).managedClusters.listClusterUserCredentials(group, name, call);
      return (out.kubeconfigs ?? []).map((k) => Buffer.from(k.value ?? new Uint8Array()).toString('utf8'));
    },
  };
}
