/** The script inputs for a machine, derived from the topology (pure). */
import { DEFAULT_KUBERNETES_VERSION } from '../../api/catalog.js';
import { etcdUninstallScript } from '../scripts/etcd.js';
import type { AirgapInput, NodeInput, RegistrationInput, Script } from '../scripts/types.js';
import { DEFAULT_POOL, type ClusterSpec } from '../../api/types.js';
import { POOL_LABEL } from '../../api/validate-pools.js';
import { ksctlProviderId } from '../../state/provider-id.js';
import type { Machine } from '../../state/types.js';
import { privateAddress, reachableAddress, type NodeScope, type Topology } from './types.js';

export function airgapOf(t: Topology): AirgapInput | undefined {
  if (!t.spec.airgap.enabled) return undefined;
  // A spec recorded before `images` existed has none.
  const images = t.spec.airgap.images ?? [];
  return images.length > 0 ? { images: [...images] } : {};
}

export function nodeInput(n: Pick<NodeScope, 'topology' | 'machine'>): NodeInput {
  const { topology: t, machine: m } = n;
  const airgap = airgapOf(t);
  const lbPrivate = privateAddress(t.loadBalancer);
  const lbPublic = reachableAddress(t.loadBalancer);
  return {
    cluster: t.spec.name,
    // Self-managed specs always carry a version after defaults; the fallback is that same default.
    kubernetesVersion: t.spec.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION,
    node: { name: m.name, address: privateAddress(m) },
    // Set by every provider; a record written before the field existed gets ksctl's own form.
    providerId: m.nodeProviderId ?? ksctlProviderId(t.spec.name, m.name),
    loadBalancer: { address: lbPrivate, ...(lbPublic !== lbPrivate ? { publicAddress: lbPublic } : {}) },
    etcd: t.etcd.map((e) => ({ name: e.name, address: privateAddress(e) })),
    ...(airgap ? { airgap } : {}),
    // A spec recorded before `kubelet` existed has none: no consent.
    ...(t.spec.kubelet?.allowCgroupV1 ? { kubelet: { allowCgroupV1: true } } : {}),
    ...(m.role === 'worker' ? { registration: registrationOf(t.spec, m) } : {}),
  };
}

/**
 * A worker registers with its pool's labels and taints and `ksctl.io/pool=<pool>` (how ksctl finds a
 * pool's nodes through the API). A worker recorded before pools belongs to the default pool.
 */
export function registrationOf(spec: Pick<ClusterSpec, 'nodePools'>, m: Pick<Machine, 'pool'>): RegistrationInput {
  const name = m.pool ?? DEFAULT_POOL;
  const pool = spec.nodePools.find((p) => p.name === name);
  return {
    labels: { ...(pool?.labels ?? {}), [POOL_LABEL]: name },
    taints: (pool?.taints ?? []).map((t) => ({ ...t })),
  };
}

/** etcd members and the load balancer are uninstalled the same way whatever the distribution. */
export function commonUninstall(role: Machine['role']): Script | undefined {
  if (role === 'etcd') return etcdUninstallScript();
  return undefined;
}
