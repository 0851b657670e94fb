/**
 * One connection to one cluster's API through @kubernetes/client-node 1.4.x (2.x does not load on
 * Node 20). The package takes ≈0.45 s to load, so it is imported here, on the first connect, and nowhere
 * else: `--help`, `get`, `switch` never load it (scripts/bundle.mjs keeps `@kubernetes/*` external).
 *
 * TLS: the API server's certificate is always verified against the kubeconfig's CA. A kubeconfig with
 * `insecure-skip-tls-verify` or a plain-http server is refused, and every request goes through one
 * keep-alive agent built with `rejectUnauthorized: true`, so NODE_TLS_REJECT_UNAUTHORIZED=0 in the
 * environment cannot switch verification off either (client-node leaves the option unset, and Node then
 * follows that variable). The shared agent also reuses connections: client-node builds a new agent, and
 * so a new TLS handshake, for every request. The one exception is a kubeconfig with `proxy-url`: the
 * request then goes through client-node's proxy agent (still verifying, unless that variable says not).
 */
import { Agent } from 'node:https';
import type { CoreV1Api, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { parseKubeconfig } from '../../kubeconfig/file.js';
import { KubernetesApiError, apiError } from './errors.js';

export interface KubeClient {
  /** The API server's URL. */
  readonly server: string;
  readonly core: CoreV1Api;
  /** Runs one API call; failures become KubernetesApiError saying `what` was asked (no secrets). */
  call<T>(what: string, fn: (core: CoreV1Api) => Promise<T>): Promise<T>;
  /** Content-Type options for a JSON merge patch (client-node sends strategic merge or JSON patch otherwise). */
  readonly mergePatch: Parameters<CoreV1Api['patchNode']>[1];
  /** Closes idle connections. */
  close(): void;
}

export interface ConnectOptions {
  /** Sockets per client (default 32: a drain evicts a node's pods in parallel). */
  maxSockets?: number;
}

type ClusterEntry = { server?: string; 'insecure-skip-tls-verify'?: unknown };

/** Refuses what ksctl never does: skip TLS verification, or talk to an API over plain HTTP. */
function checkCluster(kc: KubeConfig): string {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubernetesApiError('the kubeconfig has no current context with a cluster', 0);
  if (cluster.skipTLSVerify) {
    throw new KubernetesApiError(
      `the kubeconfig for ${cluster.server} sets insecure-skip-tls-verify; ksctl verifies the API server's certificate and refuses it`,
      0,
      undefined,
      {
        hint: "put the cluster's CA in certificate-authority-data instead",
      },
    );
  }
  if (!cluster.server.startsWith('https://')) {
    throw new KubernetesApiError(
      `the kubeconfig's server ${cluster.server} is not an https:// URL; ksctl talks to an API server only over verified TLS`,
      0,
    );
  }
  return cluster.server;
}

/**
 * Connects to the cluster a kubeconfig's current context names. The text is read as kubectl reads it
 * (YAML 1.1, ksctl's reader) and handed to client-node as JSON, which its YAML 1.2 loader reads the same.
 * Nothing is sent until the first call.
 */
export async function connect(kubeconfigText: string, opts: ConnectOptions = {}): Promise<KubeClient> {
  const doc = await parseKubeconfig(kubeconfigText, 'the cluster kubeconfig');
  // Checked on the document too: client-node reads only a boolean `true` as skip, kubectl also `"true"`.
  for (const c of doc.clusters ?? []) {
    const skip = (c.cluster as ClusterEntry | undefined)?.['insecure-skip-tls-verify'];
    if (skip === true || skip === 'true') (c.cluster as ClusterEntry)['insecure-skip-tls-verify'] = true;
  }
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromString(JSON.stringify(doc));
  } catch (e) {
    throw new KubernetesApiError(
      `the cluster kubeconfig cannot be used: ${String((e as Error).message).split('\n')[0]}`,
      0,
    );
  }
  const server = checkCluster(kc);

  // CA, client certificate and key exactly as client-node resolves them (inline data or files).
  const tls: { ca?: unknown; cert?: unknown; key?: unknown; servername?: string } = {};
  await kc.applyToHTTPSOptions(tls as Parameters<KubeConfig['applyToHTTPSOptions']>[0]);
  const proxied = Boolean(kc.getCurrentCluster()?.proxyUrl);
  const agent = new Agent({
    ...(tls.ca ? { ca: tls.ca as string } : {}),
    ...(tls.cert ? { cert: tls.cert as string } : {}),
    ...(tls.key ? { key: tls.key as string } : {}),
    ...(kc.getCurrentCluster()?.tlsServerName ? { servername: kc.getCurrentCluster()!.tlsServerName! } : {}),
    rejectUnauthorized: true,
    keepAlive: true,
    maxSockets: opts.maxSockets ?? 32,
  });
  const auth = {
    getName: () => 'ksctl',
    async applySecurityAuthentication(context: RequestContext) {
      // Headers (bearer tokens, exec plugins' credentials) come from client-node; the connection from our agent.
      await kc.applySecurityAuthentication(context);
      if (!proxied) context.setAgent(agent);
    },
  };
  const config = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(server, {}),
    authMethods: { default: auth },
  });
  const core = new k8s.CoreV1Api(config);
  const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  return {
    server,
    core,
    mergePatch,
    async call<T>(what: string, fn: (c: CoreV1Api) => Promise<T>): Promise<T> {
      try {
        return await fn(core);
      } catch (e) {
        throw apiError(e, what, server);
      }
    },
    close: () => agent.destroy(),
  };
}
