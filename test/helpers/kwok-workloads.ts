/**
 * Pools of kwok nodes and the workloads a drain test moves between them, on a loopback control plane
 * (control-plane.ts, kwok managing every node): nodes carrying a pool label (and optionally a
 * providerID), a Deployment pinned to pools by a node selector, a PodDisruptionBudget, a DaemonSet, and
 * readers for where pods are and whether they are Ready. Everything goes through the real API server.
 */
import type { ControlPlane } from './control-plane.js';
import { waitUntil } from './daemons.js';
import { KWOK_NODE_LABEL, KWOK_NODE_LABEL_VALUE } from './kwok-nodes.js';

export const POOL_LABEL = 'test.ksctl.io/pool';

export interface PoolNodeOptions {
  /** spec.providerID (kwok's fake nodes have none otherwise). */
  providerID?: (name: string) => string;
  labels?: Record<string, string>;
}

/** Creates `count` kwok nodes `<pool>-<i>` labelled `test.ksctl.io/pool=<pool>` and waits until all are schedulable. */
export async function createPool(
  cp: ControlPlane,
  pool: string,
  count: number,
  opts: PoolNodeOptions = {},
): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${pool}-${i}`);
  const resources = { cpu: '32', memory: '256Gi', pods: '110' };
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      await cp.postJson('/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          annotations: { 'kwok.x-k8s.io/node': 'fake' },
          labels: {
            [KWOK_NODE_LABEL]: KWOK_NODE_LABEL_VALUE,
            [POOL_LABEL]: pool,
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            ...opts.labels,
          },
        },
        spec: opts.providerID ? { providerID: opts.providerID(name) } : {},
        status: { allocatable: resources, capacity: resources },
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, count) }, worker));
  await waitUntil(
    `pool ${pool}: ${count} nodes schedulable`,
    async () => {
      const list = await cp.getJson<NodeList>(
        `/api/v1/nodes?labelSelector=${encodeURIComponent(`${POOL_LABEL}=${pool}`)}`,
      );
      return (
        list.items.filter(
          (n) =>
            n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
            !n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready'),
        ).length === count
      );
    },
    120_000,
    cp.daemons,
    500,
  );
  return names;
}

interface NodeList {
  items: {
    metadata: { name: string };
    spec?: { taints?: { key: string }[] };
    status?: { conditions?: { type: string; status: string }[] };
  }[];
}

export interface PodInfo {
  name: string;
  uid: string;
  node?: string;
  ready: boolean;
  deleting: boolean;
}

interface PodList {
  items: {
    metadata: { name: string; uid: string; deletionTimestamp?: string };
    spec: { nodeName?: string };
    status: { conditions?: { type: string; status: string }[] };
  }[];
}

export function podInfo(p: PodList['items'][number]): PodInfo {
  return {
    name: p.metadata.name,
    uid: p.metadata.uid,
    ...(p.spec.nodeName ? { node: p.spec.nodeName } : {}),
    ready: p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    deleting: Boolean(p.metadata.deletionTimestamp),
  };
}

export async function podsOf(cp: ControlPlane, app: string, namespace = 'default'): Promise<PodInfo[]> {
  const list = await cp.getJson<PodList>(
    `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(`app=${app}`)}`,
  );
  return list.items.map(podInfo);
}

/** A Deployment of `replicas` pods labelled app=<name>, scheduled only to nodes of `pools`; waits until all are Ready. */
export async function deploy(
  cp: ControlPlane,
  name: string,
  replicas: number,
  pools: string[],
  extra: { emptyDir?: boolean } = {},
): Promise<PodInfo[]> {
  const podSpec = {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: POOL_LABEL, operator: 'In', values: pools }] }],
        },
      },
    },
    containers: [
      {
        name: 'app',
        image: 'registry.invalid/app:1',
        ...(extra.emptyDir ? { volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] } : {}),
      },
    ],
    ...(extra.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}),
    terminationGracePeriodSeconds: 5,
  };
  await cp.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'default' },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: podSpec },
      },
    }),
  );
  await waitForReady(cp, name, replicas);
  return podsOf(cp, name);
}

export async function waitForReady(
  cp: ControlPlane,
  app: string,
  replicas: number,
  timeoutMs = 120_000,
): Promise<void> {
  await waitUntil(
    `${replicas} ${app} pods Ready`,
    async () => {
      const pods = (await podsOf(cp, app)).filter((p) => !p.deleting);
      return pods.length === replicas && pods.every((p) => p.ready);
    },
    timeoutMs,
    cp.daemons,
    250,
  );
}

/** A PodDisruptionBudget for app=<app> (`minAvailable` or `maxUnavailable`); waits until the controller has computed its status. */
export async function pdb(
  cp: ControlPlane,
  app: string,
  budget: { minAvailable: number } | { maxUnavailable: number },
  expectedPods: number,
): Promise<void> {
  await cp.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: app, namespace: 'default' },
      spec: { ...budget, selector: { matchLabels: { app } } },
    }),
  );
  await waitUntil(
    `PDB ${app} observed`,
    async () => {
      const p = await cp.getJson<{
        metadata: { generation: number };
        status?: { observedGeneration?: number; expectedPods?: number };
      }>(`/apis/policy/v1/namespaces/default/poddisruptionbudgets/${app}`);
      return p.status?.observedGeneration === p.metadata.generation && p.status?.expectedPods === expectedPods;
    },
    60_000,
    cp.daemons,
  );
}

/** A DaemonSet on every node of `pools`. */
export async function daemonSet(cp: ControlPlane, name: string, pools: string[], nodes: number): Promise<void> {
  await cp.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name, namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: POOL_LABEL, operator: 'In', values: pools }] }],
                },
              },
            },
            containers: [{ name: 'agent', image: 'registry.invalid/agent:1' }],
          },
        },
      },
    }),
  );
  await waitForReady(cp, name, nodes);
}
