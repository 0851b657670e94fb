/**
 * Semantic validation of a resolved spec. Every problem names its path (and the flag that sets it) and
 * says what would be valid. Runs before any cloud call or state write.
 */
import { InputError } from '../errors.js';
import { KUBERNETES_VERSIONS, PROVIDER_TYPES, REGIONS, minorOf, supportedVersions } from './catalog.js';
import { FLAG_FOR_PATH } from './input.js';
import { CLUSTER_TYPES, DISTRIBUTIONS, PROVIDERS, ROLES, type ClusterSpec, type Provider } from './types.js';

export interface Issue {
  path: string;
  message: string;
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const MAX_NAME_LENGTH = 40;

export function checkName(name: string, path = 'name'): Issue[] {
  if (!name) return [{ path, message: 'is required' }];
  if (name.length > MAX_NAME_LENGTH || !DNS_LABEL.test(name)) {
    return [{ path, message: `"${name}" is not a DNS label: use lowercase letters, digits and '-', start with a letter, at most ${MAX_NAME_LENGTH} characters` }];
  }
  return [];
}

export function isCidr(v: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n);

export function validateSpec(spec: ClusterSpec): Issue[] {
  const issues: Issue[] = [...checkName(spec.name)];
  const add = (path: string, message: string) => issues.push({ path, message });

  if (!PROVIDERS.includes(spec.provider)) {
    add('spec.provider', `unknown provider "${spec.provider}": use one of ${PROVIDERS.join(', ')}`);
    return issues; // everything below depends on the provider
  }
  const provider: Provider = spec.provider;
  if (!CLUSTER_TYPES.includes(spec.type)) add('spec.type', `unknown type "${spec.type}": use managed or selfmanaged`);
  else if (!PROVIDER_TYPES[provider].includes(spec.type)) {
    add('spec.type', `provider ${provider} supports ${PROVIDER_TYPES[provider].join(' or ')}, not ${spec.type}`);
  }
  const selfManaged = spec.type === 'selfmanaged';

  if (provider === 'ssh') issues.push(...checkName(spec.region, 'spec.region'));
  else if (!REGIONS[provider].includes(spec.region)) {
    add('spec.region', `unknown ${provider} region "${spec.region}": use one of ${REGIONS[provider].slice(0, 8).join(', ')}${REGIONS[provider].length > 8 ? ', ...' : ''}`);
  }

  if (spec.distribution !== undefined && !DISTRIBUTIONS.includes(spec.distribution)) {
    add('spec.distribution', `unknown distribution "${spec.distribution}": use k3s or kubeadm`);
  } else if (!selfManaged && spec.distribution !== undefined) {
    add('spec.distribution', 'applies to self-managed clusters only (managed clusters run the provider\'s own Kubernetes)');
  }

  const versions = supportedVersions(provider, spec.type);
  if (!/^v?\d+\.\d+(\.\d+)?$/.test(spec.kubernetesVersion)) {
    add('spec.kubernetesVersion', `"${spec.kubernetesVersion}" is not a version: use e.g. ${KUBERNETES_VERSIONS.selfmanaged[1]}`);
  } else if (!versions.includes(minorOf(spec.kubernetesVersion))) {
    add('spec.kubernetesVersion', `${spec.kubernetesVersion} is not offered: use one of ${versions.join(', ')}`);
  }

  // Counts.
  const cp = spec.controlPlane.count;
  if (!isCount(cp) || cp < 1) add('spec.controlPlane.count', `must be a whole number >= 1, got ${cp}`);
  if (!isCount(spec.workers.count) || spec.workers.count < 0) add('spec.workers.count', `must be a whole number >= 0, got ${spec.workers.count}`);
  const etcd = spec.etcd.count;
  if (!isCount(etcd) || etcd < 0) add('spec.etcd.count', `must be a whole number >= 0, got ${etcd}`);
  else if (etcd !== 0 && (etcd < 3 || etcd % 2 === 0)) {
    add('spec.etcd.count', `must be 0 (embedded) or an odd number >= 3 (quorum needs an odd number of members), got ${etcd}`);
  }
  if (selfManaged && etcd === 0 && isCount(cp) && cp > 1 && cp % 2 === 0) {
    add('spec.controlPlane.count', `with embedded etcd the control planes form the etcd quorum: use an odd number, got ${cp}`);
  }
  if (provider === 'local' && etcd !== 0) add('spec.etcd.count', 'local (kind) clusters use embedded etcd: leave it 0');
  if (provider === 'local' && spec.workers.spot) add('spec.workers.spot', 'local (kind) clusters have no spot capacity');
  if (!selfManaged && provider !== 'local' && etcd !== 0) add('spec.etcd.count', 'managed clusters have no etcd machines: leave it 0');

  // Sizes: clouds need them.
  if (['aws', 'azure', 'gcp'].includes(provider)) {
    const sized: [string, string][] = [['spec.workers.size', spec.workers.size]];
    if (selfManaged) sized.push(['spec.controlPlane.size', spec.controlPlane.size], ['spec.etcd.size', spec.etcd.size], ['spec.loadBalancer.size', spec.loadBalancer.size]);
    for (const [p, v] of sized) if (!v || !/^[A-Za-z0-9._-]+$/.test(v)) add(p, `"${v}" is not an instance size`);
  }

  // Network.
  if (!isCidr(spec.network.cidr)) add('spec.network.cidr', `"${spec.network.cidr}" is not an IPv4 CIDR like 10.0.0.0/16`);
  spec.network.allowCidrs.forEach((c, i) => {
    if (!isCidr(c)) add(`spec.network.allowCidrs[${i}]`, `"${c}" is not an IPv4 CIDR like 203.0.113.7/32`);
  });

  spec.nodePools.forEach((p, i) => {
    issues.push(...checkName(p.name, `spec.nodePools[${i}].name`));
    if (!isCount(p.count) || p.count < 0) add(`spec.nodePools[${i}].count`, `must be a whole number >= 0, got ${p.count}`);
  });

  if (spec.kubelet.allowCgroupV1 && !selfManaged) {
    add('spec.kubelet.allowCgroupV1', 'applies to self-managed clusters only (the cloud or kind runs the kubelet): remove it');
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
    if (names.has(m.name)) add(`${p}.name`, `"${m.name}" is used twice`);
    names.add(m.name);
    if (!ROLES.includes(m.role)) add(`${p}.role`, `unknown role "${m.role}": use ${ROLES.join(', ')}`);
    if (!m.address) add(`${p}.address`, 'is required');
    if (!isCount(m.port) || m.port < 1 || m.port > 65535) add(`${p}.port`, `must be 1-65535, got ${m.port}`);
    const ep = `${m.address}:${m.port}`;
    if (endpoints.has(ep)) add(`${p}.address`, `${ep} is listed twice`);
    endpoints.add(ep);
    if (m.hostKey && !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+/.test(m.hostKey)) {
      add(`${p}.hostKey`, 'must be a public key line like "ssh-ed25519 AAAA..."');
    }
  });
  const count = (r: string) => spec.machines.filter((m) => m.role === r).length;
  if (count('loadbalancer') !== 1) add('spec.machines', `needs exactly one loadbalancer machine, found ${count('loadbalancer')}`);
  if (count('controlplane') !== spec.controlPlane.count) {
    add('spec.controlPlane.count', `is ${spec.controlPlane.count} but spec.machines lists ${count('controlplane')} controlplane machines`);
  }
  if (count('etcd') !== spec.etcd.count) add('spec.etcd.count', `is ${spec.etcd.count} but spec.machines lists ${count('etcd')} etcd machines`);
  if (count('worker') !== spec.workers.count) add('spec.workers.count', `is ${spec.workers.count} but spec.machines lists ${count('worker')} worker machines`);
  return issues;
}

export function formatIssues(issues: Issue[]): string {
  const lines = issues.map((i) => {
    const flag = FLAG_FOR_PATH[i.path];
    return `  ${i.path}${flag ? ` (${flag})` : ''}: ${i.message}`;
  });
  return `invalid cluster spec:\n${lines.join('\n')}`;
}

export function assertValidSpec(spec: ClusterSpec): ClusterSpec {
  const issues = validateSpec(spec);
  if (issues.length > 0) throw new InputError(formatIssues(issues), issues.map((i) => i.path));
  return spec;
}
