/** What FakeGcp answers about its model at a given fake time: operations, instances, the inventory. */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Instance, Operation } from '../../../src/cloud/gcp/sdk.js';
import { notFound } from './errors.js';
import type { FakeGcpData } from './model.js';

export function opView(data: FakeGcpData, now: number, id: string): Operation {
  const o = data.ops.get(id);
  if (!o) throw notFound(id);
  const status = now >= o.doneAt ? 'DONE' : now > o.startAt ? 'RUNNING' : 'PENDING';
  return { ...o.op, status, ...(status === 'DONE' && o.error ? { error: { errors: [o.error] } } : {}) };
}

/** An instance as `instances.get` shows it: status by time, the external IP once RUNNING. */
export function instanceView(data: FakeGcpData, now: number, id: string): Instance {
  const t = data.instances.get(id);
  if (!t) throw notFound(id);
  const { natIp, ...res } = t.res as any;
  const status = t.goneAt !== undefined ? 'STOPPING' : now >= t.readyAt ? 'RUNNING' : 'PROVISIONING';
  const running = status === 'RUNNING';
  return {
    ...res,
    status,
    networkInterfaces: (res.networkInterfaces ?? []).map((ni: any) => ({
      ...ni,
      accessConfigs: (ni.accessConfigs ?? []).map((ac: any) => ({ ...ac, ...(running ? { natIP: natIp } : {}) })),
    })),
  };
}

export interface InventoryItem {
  kind: string;
  id: string;
  labels?: Record<string, string>;
  description?: string;
}

export function inventoryOf(data: FakeGcpData): InventoryItem[] {
  const out: InventoryItem[] = [];
  for (const [id, n] of data.networks) out.push({ kind: 'network', id, description: n.res.description ?? '' });
  for (const [id, s] of data.subnetworks) out.push({ kind: 'subnetwork', id, description: s.res.description ?? '' });
  for (const [id, f] of data.firewalls) out.push({ kind: 'firewall', id, description: f.res.description ?? '' });
  for (const [id, i] of data.instances) out.push({ kind: 'instance', id, labels: i.res.labels ?? {} });
  for (const [id, c] of data.clusters) out.push({ kind: 'gke-cluster', id, labels: c.res.resourceLabels ?? {} });
  for (const [id, p] of data.nodePools)
    out.push({ kind: 'gke-nodepool', id, labels: p.res.config?.resourceLabels ?? {} });
  return out;
}

/**
 * The CIDRs a GKE cluster's public endpoint admits, read as GKE does: from
 * controlPlaneEndpointsConfig.ipEndpointsConfig.authorizedNetworksConfig, else the deprecated
 * masterAuthorizedNetworksConfig; undefined when unrestricted.
 */
export function authorizedNetworksOf(data: FakeGcpData, path: string): string[] | undefined {
  const c = data.clusters.get(path)?.res as any;
  const cfg =
    c?.controlPlaneEndpointsConfig?.ipEndpointsConfig?.authorizedNetworksConfig ?? c?.masterAuthorizedNetworksConfig;
  return cfg?.enabled ? (cfg.cidrBlocks ?? []).map((b: { cidrBlock: string }) => b.cidrBlock) : undefined;
}

/** Nodes a GKE node pool runs: its per-zone count times its zones (the cluster's when it names none). */
export function poolNodesOf(data: FakeGcpData, path: string): number {
  const p = data.nodePools.get(path);
  if (!p) return 0;
  const cluster = data.clusters.get(path.replace(/\/nodePools\/[^/]+$/, ''));
  const zones = p.res.locations?.length || cluster?.res.locations?.length || 1;
  return (p.res.initialNodeCount ?? 0) * zones;
}
