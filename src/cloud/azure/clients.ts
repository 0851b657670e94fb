/**
 * The real AzureApi: the four ARM SDKs and @azure/identity, each `await import()`ed on first use so
 * that importing the provider loads no SDK. Long-running calls go through the SDK's poller, with
 * a bounded wait (runtime.lroTimeoutMs) and the step's abort signal.
 */
import type { TokenCredential } from '@azure/core-auth';
import { ProviderError } from '../../errors.js';
import type { ArmOps, ArmResource, AzureApi } from './sdk.js';
import type { AzureRuntime } from './runtime.js';

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

/** Clients are built once per subscription; each AzureApi made from them honours one abort signal. */
export function azureApiFactory(runtime: AzureRuntime, subscriptionId: string): (signal?: AbortSignal) => AzureApi {
  const cred = lazy(() => credentialOf(runtime));
  const opts = clientOptions(runtime);
  const resources = lazy(async () => new (await import('@azure/arm-resources')).ResourceManagementClient(await cred(), subscriptionId, opts));
  const network = lazy(async () => new (await import('@azure/arm-network')).NetworkManagementClient(await cred(), subscriptionId, opts));
  const compute = lazy(async () => new (await import('@azure/arm-compute')).ComputeManagementClient(await cred(), subscriptionId, opts));
  const aks = lazy(async () => new (await import('@azure/arm-containerservice')).ContainerServiceClient(await cred(), subscriptionId, opts));
  return (signal) => createAzureApi({ runtime, subscriptionId, resources, network, compute, aks }, signal);
}

interface Clients {
  runtime: AzureRuntime;
  subscriptionId: string;
  resources: () => Promise<import('@azure/arm-resources').ResourceManagementClient>;
  network: () => Promise<import('@azure/arm-network').NetworkManagementClient>;
  compute: () => Promise<import('@azure/arm-compute').ComputeManagementClient>;
  aks: () => Promise<import('@azure/arm-containerservice').ContainerServiceClient>;
}

function createAzureApi(c: Clients, signal?: AbortSignal): AzureApi {
  const { runtime, subscriptionId, resources, network, compute, aks } = c;
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

  /** Classic SDKs (network): beginXAndWait. */
  const classic = (client: () => Promise<unknown>, group: string): ArmOps => {
    const ops = async () => (await client()) as Record<string, Op>;
    return {
      get: async (g, n) => (await (await ops())[group]!.get(g, n, call)) as ArmResource,
      put: async (g, n, body) => {
        const o = (await ops())[group]!;
        return (await lro((x) => (o.beginCreateOrUpdateAndWait as Fn).call(o, g, n, body, x))) as ArmResource;
      },
      delete: async (g, n) => {
        const o = (await ops())[group]!;
        await lro((x) => (o.beginDeleteAndWait as Fn).call(o, g, n, x));
      },
    };
  };
  /** Modular SDKs (compute 24, containerservice 25): createOrUpdate/delete return an awaitable poller. */
  const modular = (client: () => Promise<unknown>, group: string): ArmOps => {
    const ops = async () => (await client()) as Record<string, Op>;
    return {
      get: async (g, n) => (await (await ops())[group]!.get(g, n, call)) as ArmResource,
      put: async (g, n, body) => {
        const o = (await ops())[group]!;
        return (await lro(async (x) => await (o.createOrUpdate as Fn).call(o, g, n, body, x))) as ArmResource;
      },
      delete: async (g, n) => {
        const o = (await ops())[group]!;
        await lro(async (x) => await (o.delete as Fn).call(o, g, n, x));
      },
    };
  };
  const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  };

  return {
    subscriptionId,
    resourceGroups: {
      get: async (name) => (await resources()).resourceGroups.get(name, call) as Promise<ArmResource>,
      put: async (name, body) => (await resources()).resourceGroups.createOrUpdate(name, body as never, call) as Promise<ArmResource>,
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
    virtualMachines: modular(compute, 'virtualMachines'),
    managedClusters: modular(aks, 'managedClusters'),
    resourceSkus: async (location) => collect((await compute()).resourceSkus.list({ filter: `location eq '${location}'`, ...call })),
    usages: async (location) => collect((await compute()).usage.list(location, call)),
    kubernetesVersions: async (location) => (await (await aks()).managedClusters.listKubernetesVersions(location, call)).values ?? [],
    clusterUserKubeconfigs: async (group, name) => {
      const out = await (await aks()).managedClusters.listClusterUserCredentials(group, name, call);
      return (out.kubeconfigs ?? []).map((k) => Buffer.from(k.value ?? new Uint8Array()).toString('utf8'));
    },
  };
}
