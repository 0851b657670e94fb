/**
 * Semantic validation of a resolved spec. Every problem names its path (and the flag that sets it) and
 * says what would be valid. Runs before any cloud call or state write.
 */
import { InputError } from '../errors.js';
import { checkBounds } from './bounds.js';
import { checkEndpoint } from './endpoint.js';
import { quote } from './quote.js';
import {
  NEWEST_KUBERNETES_PATCH,
  PROVIDER_TYPES,
  REGIONS,
  SELF_MANAGED_MINORS,
  VERSION_FORM,
  isPatchVersion,
  minorOf,
  supportedVersions,
} from './catalog.js';
import { FLAG_FOR_PATH } from './input.js';
import { validateAirgap } from './validate-airgap.js';
import { validatePackageRepository } from './validate-package-repository.js';
import { validateEtcdRelease } from './validate-etcd.js';
import { validatePools } from './validate-pools.js';
import { poolOf } from './pools.js';
import {
  CLUSTER_TYPES,
  DEFAULT_POOL,
  DISTRIBUTIONS,
  PROVIDERS,
  ROLES,
  type ClusterSpec,
  type Provider,
} from './types.js';

export interface Issue {
  path: string;
  message: string;
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const MAX_NAME_LENGTH = 40;

export function checkName(name: string, path = 'name'): Issue[] {
  if (!name) return [{ path, message: 'is required' }];
  if (name.length > MAX_NAME_LENGTH || !DNS_LABEL.test(name)) {
    return [
      {
        path,
        message: `${quote(name)} is not a DNS label: use lowercase letters, digits and '-', start with a letter, at most ${MAX_NAME_LENGTH} characters`,
      },
    ];
  }
  return [];
}

export function isCidr(v: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

/**
 * The network address of a valid CIDR (`1.2.3.4/24` → `1.2.3.0/24`). A CIDR with host bits set is
 * refused, not quietly normalised: NSGs, GKE and EKS all refuse it, and a user who wrote
 * `1.2.3.4/24` may have meant `1.2.3.4/32`, which only they can tell.
 */
export function networkOf(v: string): string {
  const [addr, bits] = v.split('/') as [string, string];
  const prefix = Number(bits);
  const ip = addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - prefix);
  const base = ip - (ip % size);
  return `${[24, 16, 8, 0].map((sh) => Math.floor(base / 2 ** sh) % 256).join('.')}/${prefix}`;
}

/** An issue for a CIDR field that is malformed or has host bits set (naming the normalised form). */
function cidrIssue(v: string, example: string): string | undefined {
  if (!isCidr(v)) return `"${v}" is not an IPv4 CIDR like ${example}`;
  const net = networkOf(v);
  if (net !== v)
    return `"${v}" has host bits set, which the clouds refuse: write ${net} (the network it is in) or ${v.split('/')[0]}/32 (that one address)`;
  return undefined;
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n);

export function validateSpec(spec: ClusterSpec): Issue[] {
  const issues: Issue[] = [...checkName(spec.name), ...checkBounds(spec)];
  const add = (path: string, message: string) => issues.push({ path, message });

  if (!PROVIDERS.includes(spec.provider)) {
    add('spec.provider', `unknown provider ${quote(spec.provider)}: use one of ${PROVIDERS.join(', ')}`);
    return issues; // everything below depends on the provider
  }
  const provider: Provider = spec.provider;
  if (!CLUSTER_TYPES.includes(spec.type))
    add('spec.type', `unknown type ${quote(spec.type)}: use managed or selfmanaged`);
  else if (!PROVIDER_TYPES[provider].includes(spec.type)) {
    add('spec.type', `provider ${provider} supports ${PROVIDER_TYPES[provider].join(' or ')}, not ${spec.type}`);
  }
  const selfManaged = spec.type === 'selfmanaged';

  if (provider === 'ssh') issues.push(...checkName(spec.region, 'spec.region'));
  else if (!REGIONS[provider].includes(spec.region)) {
    add(
      'spec.region',
      `unknown ${provider} region ${quote(spec.region)}: use one of ${REGIONS[provider].slice(0, 8).join(', ')}${REGIONS[provider].length > 8 ? ', ...' : ''}`,
    );
  }

  if (spec.distribution !== undefined && !DISTRIBUTIONS.includes(spec.distribution)) {
    add('spec.distribution', `unknown distribution ${quote(spec.distribution)}: use k3s or kubeadm`);
  } else if (!selfManaged && spec.distribution !== undefined) {
    add(
      'spec.distribution',
      "applies to self-managed clusters only (managed clusters run the provider's own Kubernetes)",
    );
  }

  // Managed clouds: only the form here; the cloud's live list decides in preflight.
  const version = spec.kubernetesVersion;
  const versions = supportedVersions(provider, spec.type);
  if (version === undefined) {
    if (selfManaged) add('spec.kubernetesVersion', `must be set: use one of ${SELF_MANAGED_MINORS.join(', ')}`);
  } else if (!VERSION_FORM.test(version)) {
    add(
      'spec.kubernetesVersion',
      `${quote(version)} is not a version: use a minor such as ${SELF_MANAGED_MINORS[1]} or a patch such as ${NEWEST_KUBERNETES_PATCH.slice(1)}`,
    );
  } else if (versions && !versions.includes(minorOf(version)) && !(provider === 'local' && isPatchVersion(version))) {
    add('spec.kubernetesVersion', `${version} is not offered: use one of ${versions.join(', ')}`);
  }

  // Counts.
  const cp = spec.controlPlane.count;
  if (!isCount(cp) || cp < 1) add('spec.controlPlane.count', `must be a whole number >= 1, got ${quote(cp)}`);
  if (!isCount(spec.workers.count) || spec.workers.count < 0)
    add('spec.workers.count', `must be a whole number >= 0, got ${quote(spec.workers.count)}`);
  const etcd = spec.etcd.count;
  if (!isCount(etcd) || etcd < 0) add('spec.etcd.count', `must be a whole number >= 0, got ${quote(etcd)}`);
  else if (etcd !== 0 && (etcd < 3 || etcd % 2 === 0)) {
    add(
      'spec.etcd.count',
      `must be 0 (embedded) or an odd number >= 3 (quorum needs an odd number of members), got ${quote(etcd)}`,
    );
  }
  if (selfManaged && etcd === 0 && isCount(cp) && cp > 1 && cp % 2 === 0) {
    add(
      'spec.controlPlane.count',
      `with embedded etcd the control planes form the etcd quorum: use an odd number, got ${quote(cp)}`,
    );
  }
  if (provider === 'local' && etcd !== 0) add('spec.etcd.count', 'local (kind) clusters use embedded etcd: leave it 0');
  if (provider === 'local' && spec.workers.spot)
    add('spec.workers.spot', 'local (kind) clusters have no spot capacity');
  if (!selfManaged && provider !== 'local' && etcd !== 0)
    add('spec.etcd.count', 'managed clusters have no etcd machines: leave it 0');
  issues.push(...validateEtcdRelease(spec.etcd.release, selfManaged && isCount(etcd) && etcd > 0));

  // Sizes: clouds need them.
  if (['aws', 'azure', 'gcp'].includes(provider)) {
    const sized: [string, string][] = [['spec.workers.size', spec.workers.size]];
    if (selfManaged)
      sized.push(
        ['spec.controlPlane.size', spec.controlPlane.size],
        ['spec.etcd.size', spec.etcd.size],
        ['spec.loadBalancer.size', spec.loadBalancer.size],
      );
    for (const [p, v] of sized) if (!v || !/^[A-Za-z0-9._-]+$/.test(v)) add(p, `${quote(v)} is not an instance size`);
  }

  // Network.
  const vpc = cidrIssue(spec.network.cidr, '10.0.0.0/16');
  if (vpc) add('spec.network.cidr', vpc);
  spec.network.allowCidrs.forEach((c, i) => {
    const bad = cidrIssue(c, '203.0.113.7/32');
    if (bad) add(`spec.network.allowCidrs[${i}]`, bad);
  });

  issues.push(...validatePools(spec));

  if (spec.ssh.bastion) issues.push(...checkEndpoint('spec.ssh.bastion', spec.ssh.bastion));
  issues.push(...validateAirgap(spec), ...validatePackageRepository(spec));
  if (spec.kubelet.allowCgroupV1 && !selfManaged) {
    add(
      'spec.kubelet.allowCgroupV1',
      'applies to self-managed clusters only (the cloud or kind runs the kubelet): remove it',
    );
  }

  if (provider === 'ssh') issues.push(...validateMachines(spec));
  else if (spec.machines.length > 0) add('spec.machines', 'lists existing machines, which only the ssh provider uses');
  return issues;
}

function validateMachines(spec: ClusterSpec): Issue[] {
  const issues: Issue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  if (spec.machines.length === 0) {
    add('spec.machines', 'the ssh provider needs the machines to use: list them in the cluster file (-f)');
    return issues;
  }
  const names = new Set<string>();
  const endpoints = new Set<string>();
  spec.machines.forEach((m, i) => {
    const p = `spec.machines[${i}]`;
    issues.push(...checkName(m.name, `${p}.name`));
    if (names.has(m.name)) add(`${p}.name`, `${quote(m.name)} is used twice`);
    names.add(m.name);
    if (!ROLES.includes(m.role)) add(`${p}.role`, `unknown role ${quote(m.role)}: use ${ROLES.join(', ')}`);
    issues.push(...checkEndpoint(p, m));
    const ep = `${m.address}:${m.port}`;
    if (endpoints.has(ep)) add(`${p}.address`, `${quote(ep)} is listed twice`);
    endpoints.add(ep);
    if (m.pool === undefined) return;
    if (m.role !== 'worker') add(`${p}.pool`, `only workers belong to a node pool: remove it from this ${m.role}`);
    else if (m.pool !== DEFAULT_POOL && !spec.nodePools.some((x) => x.name === m.pool))
      add(
        `${p}.pool`,
        `${quote(m.pool)} is not in spec.nodePools: add a pool of that name (its labels, taints) or fix the name`,
      );
  });
  const count = (r: string) => spec.machines.filter((m) => m.role === r).length;
  if (count('loadbalancer') !== 1)
    add('spec.machines', `needs exactly one loadbalancer machine, found ${count('loadbalancer')}`);
  if (count('controlplane') !== spec.controlPlane.count) {
    add(
      'spec.controlPlane.count',
      `is ${spec.controlPlane.count} but spec.machines lists ${count('controlplane')} controlplane machines`,
    );
  }
  if (count('etcd') !== spec.etcd.count)
    add('spec.etcd.count', `is ${spec.etcd.count} but spec.machines lists ${count('etcd')} etcd machines`);
  // A pool's machines are the workers listed with it (spec.machines[].pool); the default pool is spec.workers.
  const listed = (pool: string) => spec.machines.filter((m) => m.role === 'worker' && poolOf(m) === pool).length;
  if (listed(DEFAULT_POOL) !== spec.workers.count)
    add(
      'spec.workers.count',
      `is ${spec.workers.count} but spec.machines lists ${listed(DEFAULT_POOL)} worker machines in the default pool (no spec.machines[].pool)`,
    );
  spec.nodePools.forEach((p, i) => {
    if (p.name !== DEFAULT_POOL && p.count !== listed(p.name))
      add(
        `spec.nodePools[${i}].count`,
        `is ${p.count} but spec.machines lists ${listed(p.name)} workers with pool ${quote(p.name)}: on the ssh provider a pool is the machines listed with it (spec.machines[].pool); leave count unset`,
      );
  });
  return issues;
}

const MAX_ISSUES_SHOWN = 20;

export function formatIssues(issues: Issue[]): string {
  const lines = issues.slice(0, MAX_ISSUES_SHOWN).map((i) => {
    const flag = FLAG_FOR_PATH[i.path];
    return `  ${i.path}${flag ? ` (${flag})` : ''}: ${i.message}`;
  });
  if (issues.length > MAX_ISSUES_SHOWN) lines.push(`  ... and ${issues.length - MAX_ISSUES_SHOWN} more`);
  return `invalid cluster spec:\n${lines.join('\n')}`;
}

export function assertValidSpec(spec: ClusterSpec): ClusterSpec {
  const issues = validateSpec(spec);
  if (issues.length > 0)
    throw new InputError(
      formatIssues(issues),
      issues.map((i) => i.path),
    );
  return spec;
}
