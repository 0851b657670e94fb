/**
 * Pure functions over nodes: the API's Node object read into ksctl's NodeInfo, and the patch that gives
 * a node a pool's labels and taints. No client here, so tests feed objects and read decisions.
 */
import type { NodeInfo, NodeMetadata, Taint, TaintEffect } from './types.js';

/** The fields of a v1 Node that ksctl reads (client-node's V1Node has them all, dates as Date objects). */
export interface RawNode {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    creationTimestamp?: Date | string;
    resourceVersion?: string;
  };
  spec?: { taints?: { key: string; value?: string; effect: string }[]; providerID?: string; unschedulable?: boolean };
  status?: {
    conditions?: { type: string; status: string; lastTransitionTime?: Date | string }[];
    nodeInfo?: { kubeletVersion?: string };
  };
}

const iso = (d: Date | string | undefined): string =>
  d === undefined ? new Date(0).toISOString() : typeof d === 'string' ? d : d.toISOString();

export function toNodeInfo(n: RawNode): NodeInfo {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const createdAt = iso(n.metadata?.creationTimestamp);
  return {
    name: n.metadata?.name ?? '',
    ready: ready?.status === 'True',
    readySince: ready?.lastTransitionTime === undefined ? createdAt : iso(ready.lastTransitionTime),
    labels: { ...(n.metadata?.labels ?? {}) },
    taints: (n.spec?.taints ?? []).map((t) => ({
      key: t.key,
      ...(t.value ? { value: t.value } : {}),
      effect: t.effect as TaintEffect,
    })),
    ...(n.spec?.providerID ? { providerID: n.spec.providerID } : {}),
    ...(n.status?.nodeInfo?.kubeletVersion ? { kubeletVersion: n.status.nodeInfo.kubeletVersion } : {}),
    unschedulable: n.spec?.unschedulable === true,
    createdAt,
  };
}

/** A taint's identity: the API allows one taint per key and effect. */
const taintId = (t: Taint) => `${t.key}:${t.effect}`;
const sameTaint = (a: Taint, b: Taint) => taintId(a) === taintId(b) && (a.value ?? '') === (b.value ?? '');

/**
 * The merge patch that gives `node` the labels and taints `want` asks for, undefined when it has them.
 * `previous` is what the pool asked before (an edited pool): its labels and taints that `want` no longer
 * has are removed. Everything else on the node stays: labels the kubelet sets, taints of other owners
 * (`node.kubernetes.io/unschedulable` while cordoned, the node lifecycle controller's, a user's).
 * Taints are a list, which a merge patch replaces whole, so the patch carries the complete new list.
 */
export function nodeMetadataPatch(
  node: NodeInfo,
  want: NodeMetadata,
  previous?: NodeMetadata,
): { metadata?: { labels: Record<string, string | null> }; spec?: { taints: Taint[] } } | undefined {
  const labels: Record<string, string | null> = {};
  for (const k of Object.keys(previous?.labels ?? {})) if (!(k in want.labels) && k in node.labels) labels[k] = null;
  for (const [k, v] of Object.entries(want.labels)) if (node.labels[k] !== v) labels[k] = v;

  const owned = new Set([...(previous?.taints ?? []), ...want.taints].map(taintId));
  const kept = node.taints.filter((t) => !owned.has(taintId(t)));
  const taints = [
    ...kept,
    ...want.taints.map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })),
  ];
  const taintsChanged =
    taints.length !== node.taints.length || !taints.every((t) => node.taints.some((n) => sameTaint(n, t)));

  if (Object.keys(labels).length === 0 && !taintsChanged) return undefined;
  return {
    ...(Object.keys(labels).length ? { metadata: { labels } } : {}),
    ...(taintsChanged ? { spec: { taints } } : {}),
  };
}

/** What `node` lacks of `want`, in words (empty when it has everything). */
export function missingMetadata(node: NodeInfo, want: { labels?: Record<string, string>; taints?: Taint[] }): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(want.labels ?? {})) {
    if (node.labels[k] !== v)
      out.push(
        node.labels[k] === undefined ? `label ${k}=${v} missing` : `label ${k} is "${node.labels[k]}", not "${v}"`,
      );
  }
  for (const t of want.taints ?? []) {
    if (!node.taints.some((n) => sameTaint(n, t))) out.push(`taint ${formatTaint(t)} missing`);
  }
  return out;
}

/** `key=value:Effect`, as kubectl taint writes it. */
export function formatTaint(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}
