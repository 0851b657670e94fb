/**
 * Defaults in one place, eksctl-style: they only fill what is unset. The result is a ClusterSpec that
 * still has to pass validate.ts (defaults never hide a bad value the user gave).
 */
import { DEFAULT_KUBERNETES_VERSION, DEFAULT_REGION, DEFAULT_SIZES, PROVIDER_TYPES } from './catalog.js';
import type { SpecInput } from './input.js';
import type { ClusterSpec, ClusterType, MachineSpec, NodePoolSpec, Provider } from './types.js';

export const DEFAULT_VPC_CIDR = '10.0.0.0/16';

/** The type a provider gets when none is given, if it has only one. */
export function impliedType(provider: Provider | undefined): ClusterType | undefined {
  if (!provider) return undefined;
  const types = PROVIDER_TYPES[provider];
  return types?.length === 1 ? types[0] : undefined;
}

export function applyDefaults(input: SpecInput): ClusterSpec {
  // validate.ts reports missing provider/name; here we only need something to hang defaults on.
  const provider = (input.provider ?? 'local') as Provider;
  const type: ClusterType = input.type ?? impliedType(provider) ?? 'managed';
  const selfManaged = type === 'selfmanaged';
  const sizes = DEFAULT_SIZES[provider] ?? DEFAULT_SIZES.local;
  const machines = (input.machines ?? []).map((m, i): MachineSpec => ({
    name: m.name ?? `${input.name ?? 'cluster'}-${m.role}-${i}`,
    role: m.role,
    address: m.address,
    privateAddress: m.privateAddress ?? m.address,
    port: m.port ?? 22,
    user: m.user ?? 'root',
    keyFile: m.keyFile,
    hostKey: m.hostKey,
  }));
  const countOf = (role: MachineSpec['role']) => machines.filter((m) => m.role === role).length;
  const byo = provider === 'ssh' && machines.length > 0;

  const workers = {
    count: input.workers?.count ?? (byo ? countOf('worker') : selfManaged ? 1 : provider === 'local' ? 0 : 2),
    size: input.workers?.size ?? sizes.worker,
    spot: input.workers?.spot ?? false,
  };
  const nodePools: NodePoolSpec[] = selfManaged
    ? []
    : (input.nodePools ?? []).map((p) => ({ name: p.name, count: p.count, size: p.size ?? sizes.worker, spot: p.spot ?? false }));
  if (!selfManaged && provider !== 'local' && nodePools.length === 0 && workers.count > 0) {
    nodePools.push({ name: 'default', count: workers.count, size: workers.size, spot: workers.spot });
  }

  return {
    name: input.name ?? '',
    provider,
    type,
    region: input.region ?? DEFAULT_REGION[provider] ?? '',
    ...(selfManaged ? { distribution: input.distribution ?? 'k3s' } : input.distribution ? { distribution: input.distribution } : {}),
    kubernetesVersion: input.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION,
    controlPlane: {
      count: input.controlPlane?.count ?? (byo ? countOf('controlplane') : selfManaged ? 3 : 1),
      size: input.controlPlane?.size ?? sizes.controlplane,
    },
    workers,
    etcd: {
      count: input.etcd?.count ?? (byo ? countOf('etcd') : selfManaged ? 3 : 0),
      size: input.etcd?.size ?? sizes.etcd,
    },
    loadBalancer: { size: input.loadBalancer?.size ?? sizes.loadbalancer },
    nodePools,
    network: {
      cidr: input.network?.cidr ?? DEFAULT_VPC_CIDR,
      allowCidrs: input.network?.allowCidrs ?? [],
    },
    machines,
    ssh: { ...(input.ssh?.bastion ? { bastion: { port: 22, ...input.ssh.bastion } } : {}), sudoPassword: input.ssh?.sudoPassword ?? false },
    credentials: { ...input.credentials },
    airgap: { enabled: input.airgap?.enabled ?? false, ...(input.airgap?.dir ? { dir: input.airgap.dir } : {}) },
    kubelet: { allowCgroupV1: input.kubelet?.allowCgroupV1 ?? false },
  };
}
