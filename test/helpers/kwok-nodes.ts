/**
 * Simulated nodes for a loopback control plane whose kwok runs with --manage-all-nodes: Node objects are
 * created in bulk through the API (16 requests in flight; kubectl would send 5/s), kwok's upstream
 * stages make them Ready and keep their leases, and pods bound to them go Running. The nodes carry the
 * annotation and label kwok's documentation gives simulated nodes, and room for many pods.
 */
import type { ControlPlane } from './control-plane.js';

export const KWOK_NODE_LABEL = 'type';
export const KWOK_NODE_LABEL_VALUE = 'kwok';

function nodeObject(name: string): object {
  const resources = { cpu: '32', memory: '256Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        [KWOK_NODE_LABEL]: KWOK_NODE_LABEL_VALUE,
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      },
    },
    status: { allocatable: resources, capacity: resources },
  };
}

/** Creates `count` nodes named `<prefix>-<i>` (i from 0); returns their names. */
export async function createKwokNodes(cp: ControlPlane, count: number, prefix = 'kwok-node'): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++] as string;
      await cp.postJson('/api/v1/nodes', nodeObject(name));
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, count) }, worker));
  return names;
}

interface NodeList {
  items: {
    metadata: { name: string };
    spec?: { taints?: { key: string }[] };
    status?: { conditions?: { type: string; status: string }[] };
  }[];
}

export interface KwokNodeCounts {
  /** Ready=True (kwok's node stages ran). */
  ready: number;
  /** Ready and without the node.kubernetes.io/not-ready taint (the node lifecycle controller lifted it): the scheduler may place pods there. */
  schedulable: number;
}

/** Counts the nodes with the kwok label, as the API reports them right now. */
export async function kwokNodeCounts(cp: ControlPlane): Promise<KwokNodeCounts> {
  const list = await cp.getJson<NodeList>(
    `/api/v1/nodes?labelSelector=${encodeURIComponent(`${KWOK_NODE_LABEL}=${KWOK_NODE_LABEL_VALUE}`)}`,
  );
  const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  const schedulable = ready.filter((n) => !n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready'));
  return { ready: ready.length, schedulable: schedulable.length };
}

export async function readyKwokNodes(cp: ControlPlane): Promise<number> {
  return (await kwokNodeCounts(cp)).ready;
}
