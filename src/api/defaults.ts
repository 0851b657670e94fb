/**
 * Defaults in one place, eksctl-style: they only fill what is unset. The result is a ClusterSpec that
 * still has to pass validate.ts (defaults never hide a bad value the user gave).
 */
import { InputError } from '../errors.js';
import { DEFAULT_KUBERNETES_VERSION, DEFAULT_REGION, DEFAULT_SIZES, PROVIDER_TYPES } from './catalog.js';
import { resolveEtcdRelease } from './etcd-release.js';
import { resolvePackageRepository } from './package-repository.js';
import type { SpecInput } from './input.js';
import { defaultPoolOf, poolOf } from './pools.js';
import { resolveEndpoint, resolveWithJump, type LocalUser, type SshConfigLookup } from './ssh-config.js';
import {
  DEFAULT_POOL,
  type ClusterSpec,
  type ClusterType,
  type MachineSpec,
  type NodePoolSpec,
  type Provider,
  type SshEndpointSpec,
} from './types.js';

export const DEFAULT_VPC_CIDR = '10.0.0.0/16';

/** The type a provider gets when none is given, if it has only one. */
export function impliedType(provider: Provider | undefined): ClusterType | undefined {
  if (!provider) return undefined;
  const types = PROVIDER_TYPES[provider];
  return types?.length === 1 ? types[0] : undefined;
}

export interface DefaultsOptions {
  /** The OpenSSH client config (read by ssh-config-file.ts) that fills machine logins the file leaves unset. */
  sshConfig?: { lookup: SshConfigLookup; local: LocalUser };
}

export function applyDefaults(input: SpecInput, opts: DefaultsOptions = {}): ClusterSpec {
  // validate.ts reports missing provider/name; here we only need something to hang defaults on.
  const provider = input.provider ?? 'local';
  const type: ClusterType = input.type ?? impliedType(provider) ?? 'managed';
  const selfManaged = type === 'selfmanaged';
  const sizes = DEFAULT_SIZES[provider] ?? DEFAULT_SIZES.local;
  const ssh = opts.sshConfig;
  const machines = (input.machines ?? []).map((m, i) =>
    machineSpecOf(m, i, input.name ?? 'cluster', opts, !!input.ssh?.bastion),
  );
  const countOf = (role: MachineSpec['role']) => machines.filter((m) => m.role === role).length;
  const byo = provider === 'ssh' && machines.length > 0;

  // ssh provider: a pool is the workers listed with it (spec.machines[].pool), so that is its count.
  const listedIn = (pool: string) => machines.filter((m) => m.role === 'worker' && poolOf(m) === pool).length;
  const listed = input.nodePools ?? [];
  const defaultListed = listed.find((p) => p.name === DEFAULT_POOL);
  // On a self-managed cluster `workers` is the default pool: when the file lists pools, the default
  // one (if any) gives the worker count it leaves unset (validation refuses the two disagreeing).
  const smDefaultCount =
    selfManaged && listed.length > 0 ? (defaultListed?.count ?? (byo ? listedIn(DEFAULT_POOL) : 0)) : undefined;
  const workers = {
    count:
      input.workers?.count ??
      smDefaultCount ??
      (byo ? listedIn(DEFAULT_POOL) : selfManaged ? 1 : provider === 'local' ? 0 : 2),
    size: input.workers?.size ?? (selfManaged ? defaultListed?.size : undefined) ?? sizes.worker,
    spot: input.workers?.spot ?? (selfManaged ? defaultListed?.spot : undefined) ?? false,
  };
  // Kept for every type so validation can refuse what a type does not support (never dropped). With
  // no pools listed, `workers` is the default pool: always on self-managed clusters (whose worker
  // machines belong to it), on the others when it has nodes.
  const nodePools: NodePoolSpec[] = listed.map((p) => ({
    name: p.name,
    // A missing count is reported by validation (validate-pools.ts), naming the field.
    count: p.count ?? (byo ? listedIn(p.name) : (undefined as unknown as number)),
    ...(p.min !== undefined ? { min: p.min } : {}),
    ...(p.max !== undefined ? { max: p.max } : {}),
    size: p.size ?? sizes.worker,
    spot: p.spot ?? false,
    labels: { ...p.labels },
    taints: (p.taints ?? []).map((t) => ({ ...t })),
    ...(p.zones !== undefined ? { zones: [...p.zones] } : {}),
  }));
  if (nodePools.length === 0 && (selfManaged || workers.count > 0)) nodePools.push(defaultPoolOf(workers));
  // ssh workers listed without a pool beside listed pools: the default pool holds them.
  else if (byo && !defaultListed && listedIn(DEFAULT_POOL) > 0) nodePools.unshift(defaultPoolOf(workers));

  return {
    name: input.name ?? '',
    provider,
    type,
    region: input.region ?? DEFAULT_REGION[provider] ?? '',
    ...(selfManaged
      ? { distribution: input.distribution ?? 'k3s' }
      : input.distribution
        ? { distribution: input.distribution }
        : {}),
    // Managed and kind: no version means the cloud's (kind's) own default, resolved at create.
    ...(input.kubernetesVersion !== undefined
      ? { kubernetesVersion: input.kubernetesVersion }
      : selfManaged
        ? { kubernetesVersion: DEFAULT_KUBERNETES_VERSION }
        : {}),
    controlPlane: {
      count: input.controlPlane?.count ?? (byo ? countOf('controlplane') : selfManaged ? 3 : 1),
      size: input.controlPlane?.size ?? sizes.controlplane,
    },
    workers,
    etcd: {
      count: input.etcd?.count ?? (byo ? countOf('etcd') : selfManaged ? 3 : 0),
      size: input.etcd?.size ?? sizes.etcd,
      ...(input.etcd?.release ? { release: resolveEtcdRelease(input.etcd.release) } : {}),
    },
    loadBalancer: { size: input.loadBalancer?.size ?? sizes.loadbalancer },
    nodePools,
    network: {
      cidr: input.network?.cidr ?? DEFAULT_VPC_CIDR,
      allowCidrs: input.network?.allowCidrs ?? [],
    },
    machines,
    ssh: {
      ...(input.ssh?.bastion ? { bastion: bastionOf(input.ssh.bastion, ssh) } : {}),
      sudoPassword: input.ssh?.sudoPassword ?? false,
      ...(input.ssh?.configFile ? { configFile: input.ssh.configFile } : {}),
    },
    credentials: { ...input.credentials },
    airgap: {
      enabled: input.airgap?.enabled ?? false,
      ...(input.airgap?.dir ? { dir: input.airgap.dir } : {}),
      images: input.airgap?.images ?? [],
    },
    kubelet: { allowCgroupV1: input.kubelet?.allowCgroupV1 ?? false },
    ...(input.kubeadm?.packageRepository
      ? { kubeadm: { packageRepository: resolvePackageRepository(input.kubeadm.packageRepository) } }
      : {}),
  };
}

type MachineInput = NonNullable<SpecInput['machines']>[number];

/**
 * One listed machine with its defaults: explicit fields win, the OpenSSH config fills the rest
 * (ssh-config.ts), then ksctl's defaults. `globalBastion`: spec.ssh.bastion is set, and wins over ProxyJump.
 */
export function machineSpecOf(
  m: MachineInput,
  i: number,
  cluster: string,
  opts: DefaultsOptions,
  globalBastion: boolean,
): MachineSpec {
  const ssh = opts.sshConfig;
  const r = ssh && m.address ? resolveWithJump(m, ssh.lookup, ssh.local, `spec.machines[${i}]`) : undefined;
  const { address, port, user, bastion, ...login } = r ?? {
    address: m.address,
    port: m.port ?? 22,
    user: m.user ?? 'root',
  };
  return {
    name: m.name ?? `${cluster}-${m.role}-${i}`,
    role: m.role,
    ...(m.pool !== undefined ? { pool: m.pool } : {}),
    address,
    privateAddress: m.privateAddress ?? address,
    port,
    user,
    keyFile: m.keyFile,
    hostKey: m.hostKey,
    ...login,
    ...(bastion && !globalBastion ? { bastion } : {}),
  };
}

function bastionOf(
  b: NonNullable<NonNullable<SpecInput['ssh']>['bastion']>,
  ssh: DefaultsOptions['sshConfig'],
): SshEndpointSpec {
  if (!ssh || !b.address) return { port: 22, ...b };
  const { proxyJump, ...r } = resolveEndpoint(b, ssh.lookup, ssh.local, 'spec.ssh.bastion');
  if (proxyJump)
    throw new InputError(
      `spec.ssh.bastion: the SSH config gives its Host ${b.address} a ProxyJump; ksctl jumps through one host`,
      ['spec.ssh.bastion'],
    );
  return { ...r, ...(b.keyFile ? { keyFile: b.keyFile } : {}), ...(b.hostKey ? { hostKey: b.hostKey } : {}) };
}
