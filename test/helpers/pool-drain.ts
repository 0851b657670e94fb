/**
 * The 50-node pool drain, shared by its test (test/kubernetes/pool-drain.test.ts) and its benchmark
 * (bench/drain.ts): a pool of kwok nodes holding a Deployment's pods under a PodDisruptionBudget with
 * maxUnavailable 1 (and a DaemonSet on every node), drained whole through ksctl's ClusterApi while a
 * watch on the Deployment's pods records, at every change the API server reports, how many are healthy
 * as the disruption controller counts them (Ready and not being deleted). The watch sees each
 * transition, so a moment with two pods unavailable cannot slip between two polls.
 */
import { readFileSync } from 'node:fs';
import { ClusterApi } from '../../src/managers/kubernetes/cluster-api.js';
import type { DrainResult } from '../../src/managers/kubernetes/types.js';
import type { ControlPlane } from './control-plane.js';
import { createPool, daemonSet, deploy, pdb, podInfo, podsOf, waitForReady } from './kwok-workloads.js';

export interface PoolDrainSetup {
  /** Nodes in the pool that is drained. */
  poolNodes: number;
  /** Nodes that stay (where the pods go). */
  restNodes: number;
  replicas: number;
  concurrency?: number;
  /** Names the Deployment, PDB, DaemonSet and pools (several runs share one control plane). */
  prefix: string;
}

export interface PoolDrainRun {
  ms: number;
  results: DrainResult[];
  /** Fewest healthy pods at any moment the watch saw. */
  minHealthy: number;
  /** Watch events seen during the drain. */
  events: number;
  /** Where the pods ended up. */
  finalNodes: string[];
}

/** Creates the pools and workloads; returns the pool's node names. */
export async function setUpPoolDrain(cp: ControlPlane, s: PoolDrainSetup): Promise<string[]> {
  const pool = `${s.prefix}-pool`;
  const rest = `${s.prefix}-rest`;
  const nodes = await createPool(cp, pool, s.poolNodes);
  // The Deployment may use both pools, but only the drained pool exists yet: every pod starts there.
  await deploy(cp, `${s.prefix}-app`, s.replicas, [pool, rest]);
  await createPool(cp, rest, s.restNodes);
  await daemonSet(cp, `${s.prefix}-ds`, [pool, rest], s.poolNodes + s.restNodes);
  await pdb(cp, `${s.prefix}-app`, { maxUnavailable: 1 }, s.replicas);
  return nodes;
}

export async function runPoolDrain(cp: ControlPlane, s: PoolDrainSetup, nodes: string[]): Promise<PoolDrainRun> {
  const app = `${s.prefix}-app`;
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cp.kubeconfig);
  const pods = new Map<string, { ready: boolean; deleting: boolean }>();
  for (const p of await podsOf(cp, app)) pods.set(p.uid, p);
  const healthy = () => [...pods.values()].filter((p) => p.ready && !p.deleting).length;
  let minHealthy = healthy();
  let events = 0;
  let watchError: unknown;
  const watch = await new k8s.Watch(kc).watch(
    '/api/v1/namespaces/default/pods',
    { labelSelector: `app=${app}` },
    (type, obj) => {
      const p = podInfo(obj);
      events++;
      if (type === 'DELETED') pods.delete(p.uid);
      else pods.set(p.uid, p);
      minHealthy = Math.min(minHealthy, healthy());
    },
    (err) => {
      if (err && (err as { name?: string }).name !== 'AbortError') watchError = err;
    },
  );

  const api = await ClusterApi.fromKubeconfig(readFileSync(cp.kubeconfig, 'utf8'));
  try {
    const t0 = Date.now();
    const results = await api.drainNodes(nodes, {
      timeoutMs: 600_000,
      ...(s.concurrency ? { concurrency: s.concurrency } : {}),
    });
    const ms = Date.now() - t0;
    await waitForReady(cp, app, s.replicas);
    if (watchError)
      throw new Error(
        `the pod watch failed during the drain: ${watchError instanceof Error ? watchError.message : JSON.stringify(watchError)}`,
      );
    const finalNodes = (await podsOf(cp, app)).filter((p) => !p.deleting).map((p) => p.node ?? '');
    return { ms, results, minHealthy, events, finalNodes };
  } finally {
    watch.abort();
    api.close();
  }
}
