/**
 * The AKS cluster itself: version checked against what the region offers, one system pool plus the
 * spec's worker pools (spot pools: scaleSetPriority Spot, evictionPolicy Delete), all in the PUT
 * that creates the cluster, so one long-running operation brings everything up.
 */
import { byVersion, minorOf } from '../../api/catalog.js';
import { formatTaint } from '../../api/k8s-labels.js';
import type { ClusterSpec, NodePoolSpec } from '../../api/types.js';
import { InputError, ProviderError } from '../../errors.js';
import { ensureArm } from './arm.js';
import type { SizeDemand } from './checks.js';
import type { AzCtx } from './context.js';
import { aksName, tagsFor } from './naming.js';
import type { ArmResource } from './sdk.js';

export const AKS_KEY = 'aks';
export const SYSTEM_POOL = 'system';

/** The spec's worker pools (nodePools, else one pool from spec.workers). */
export function workerPools(spec: ClusterSpec): NodePoolSpec[] {
  if (spec.nodePools.length > 0) return spec.nodePools;
  return [
    {
      name: 'workers',
      count: spec.workers.count,
      size: spec.workers.size,
      spot: spec.workers.spot,
      labels: {},
      taints: [],
    },
  ];
}

/** AKS pool names: lowercase letters and digits, starting with a letter, at most 12 characters. */
export function poolName(name: string): string {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return (/^[a-z]/.test(n) ? n : `p${n}`).slice(0, 12);
}

export function aksDemand(spec: ClusterSpec): SizeDemand[] {
  return [
    { field: 'spec.controlPlane.size', size: spec.controlPlane.size, count: 1, spot: false },
    ...workerPools(spec).map((p, i) => ({
      field: spec.nodePools.length > 0 ? `spec.nodePools[${i}].size` : 'spec.workers.size',
      size: p.size,
      count: p.count,
      spot: p.spot,
    })),
  ];
}

export function checkPoolNames(spec: ClusterSpec): void {
  const seen = new Set([SYSTEM_POOL]);
  workerPools(spec).forEach((p, i) => {
    const n = poolName(p.name);
    if (seen.has(n))
      throw new InputError(`node pool name "${p.name}" is taken (AKS names: ${[...seen].join(', ')})`, [
        `spec.nodePools[${i}].name`,
      ]);
    seen.add(n);
  });
}

/**
 * The AKS version to create, from listKubernetesVersions (previews excluded): the spec's minor or
 * patch when AKS offers it in the region, AKS's default (`isDefault`) when the spec has none.
 */
export async function resolveAksVersion(cloud: AzCtx): Promise<string> {
  const offered = (await cloud.api.kubernetesVersions(cloud.spec.region)).filter((v) => v.version && !v.isPreview);
  const minors = offered
    .map((v) => v.version!)
    .sort(byVersion)
    .reverse();
  const want = cloud.spec.kubernetesVersion?.replace(/^v/, '');
  const field = ['spec.kubernetesVersion'];
  if (want === undefined) {
    const chosen = offered.find((v) => v.isDefault)?.version ?? minors[0];
    if (!chosen) throw new InputError(`AKS in ${cloud.spec.region} offers no Kubernetes version`, field);
    return chosen;
  }
  const minor = offered.find((v) => v.version === minorOf(want));
  const patches = Object.keys(minor?.patchVersions ?? {})
    .sort(byVersion)
    .reverse();
  if (minor && (want === minorOf(want) || patches.includes(want))) return want;
  throw new InputError(`AKS in ${cloud.spec.region} does not offer Kubernetes ${want}`, field, {
    hint: minor ? `${minorOf(want)} patches: ${patches.join(', ')}` : `available: ${minors.join(', ')}`,
  });
}

function clusterBody(cloud: AzCtx, authorizedCidrs: string[]): ArmResource {
  const spec = cloud.spec;
  const pool = (p: NodePoolSpec, mode: 'System' | 'User') => ({
    name: poolName(p.name),
    mode,
    count: p.count,
    vmSize: p.size,
    osType: 'Linux',
    osSKU: 'Ubuntu',
    type: 'VirtualMachineScaleSets',
    tags: tagsFor(spec, `${AKS_KEY}/pool/${poolName(p.name)}`, 'nodepool'),
    ...(p.spot ? { scaleSetPriority: 'Spot', scaleSetEvictionPolicy: 'Delete', spotMaxPrice: -1 } : {}),
    ...(p.zones?.length ? { availabilityZones: [...p.zones] } : {}),
    ...poolLabelsAndTaints(p),
  });
  return {
    location: spec.region,
    tags: tagsFor(spec, AKS_KEY, 'cluster'),
    identity: { type: 'SystemAssigned' },
    dnsPrefix: aksName(spec)
      .replace(/[^a-zA-Z0-9-]/g, '-')
      .slice(0, 54),
    kubernetesVersion: spec.kubernetesVersion,
    // The SDK's model name (it sends `properties.enableRBAC`); test/cloud/azure/serialization.test.ts
    // checks every property here survives the SDK's serializer.
    enableRbac: true,
    // Who may reach the API server: network.allowCidrs (empty: the operator's address), as EKS's
    // publicAccessCidrs and GKE's authorized networks at create; `apply` changes it (aks-update.ts).
    apiServerAccessProfile: { authorizedIPRanges: authorizedCidrs },
    agentPoolProfiles: [
      pool(
        { name: SYSTEM_POOL, count: 1, size: spec.controlPlane.size, spot: false, labels: {}, taints: [] },
        'System',
      ),
      ...workerPools(spec).map((p) => pool(p, 'User')),
    ],
  };
}

/**
 * An agent pool's labels and taints as AKS takes them: `nodeLabels` a map, `nodeTaints` strings in
 * kubectl's `key=value:Effect` form. Only worker pools carry user labels; every pool names itself in
 * ksctl.io/pool (the system pool included, so no node is without one).
 */
export function poolLabelsAndTaints(p: NodePoolSpec): { nodeLabels: Record<string, string>; nodeTaints?: string[] } {
  return {
    nodeLabels: { ...p.labels, 'ksctl.io/pool': p.name },
    ...(p.taints.length > 0 ? { nodeTaints: p.taints.map(formatTaint) } : {}),
  };
}

export async function ensureAks(cloud: AzCtx, authorizedCidrs: string[]): Promise<void> {
  const name = aksName(cloud.spec);
  const out = await ensureArm(cloud, cloud.api.managedClusters, name, () => clusterBody(cloud, authorizedCidrs), {
    key: AKS_KEY,
    kind: 'azure:aks-cluster',
  });
  const state = out['provisioningState'];
  if (state !== 'Succeeded')
    throw new ProviderError(`AKS cluster ${name} is ${String(state)}`, {
      hint: 'see the Activity log in the Azure portal',
    });
}

/** The user kubeconfig (for AAD-enabled clusters it uses the kubelogin exec plugin). */
export async function aksKubeconfig(cloud: AzCtx): Promise<string> {
  const files = await cloud.api.clusterUserKubeconfigs(cloud.group, aksName(cloud.spec));
  if (!files[0]) throw new ProviderError(`AKS cluster ${aksName(cloud.spec)} returned no kubeconfig`);
  return files[0];
}
