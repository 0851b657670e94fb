/**
 * Upper bounds on a resolved spec (limits.ts says why each is where it is). Run first by validateSpec,
 * so no count reaches a planner and no oversized string reaches a message, a script or the state.
 */
import {
  MAX_ALLOW_CIDRS,
  MAX_MACHINES_PER_CLUSTER,
  MAX_NODE_POOLS,
  MAX_PATH_LENGTH,
  MAX_POOL_NODES,
  MAX_QUORUM_MEMBERS,
  MAX_SELFMANAGED_WORKERS,
  MAX_SHORT_STRING,
} from './limits.js';
import { PROVIDERS, type ClusterSpec } from './types.js';
import type { Issue } from './validate.js';

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n);

/** Printable text: no control characters (NUL, escapes, newlines), at most `max` characters. */
export function isShortText(v: unknown, max = MAX_SHORT_STRING): boolean {
  // eslint-disable-next-line no-control-regex
  return typeof v === 'string' && v.length <= max && !/[\u0000-\u001f\u007f]/.test(v);
}

export function checkBounds(spec: ClusterSpec): Issue[] {
  const issues: Issue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  const provider = PROVIDERS.includes(spec.provider) ? spec.provider : 'ssh';
  const selfManaged = spec.type === 'selfmanaged';

  const upTo = (path: string, n: number, max: number, why: string) => {
    if (isCount(n) && n > max) add(path, `must be at most ${max} (${why}), got ${n}`);
  };
  upTo('spec.controlPlane.count', spec.controlPlane.count, MAX_QUORUM_MEMBERS, 'etcd advises at most 7 members');
  upTo('spec.etcd.count', spec.etcd.count, MAX_QUORUM_MEMBERS, 'etcd advises at most 7 members');
  const poolMax = selfManaged ? MAX_SELFMANAGED_WORKERS : MAX_POOL_NODES[provider];
  upTo(
    'spec.workers.count',
    spec.workers.count,
    poolMax,
    selfManaged ? 'machines per cluster' : `nodes per ${provider} pool`,
  );
  if (spec.nodePools.length > MAX_NODE_POOLS)
    add('spec.nodePools', `lists ${spec.nodePools.length} pools; at most ${MAX_NODE_POOLS} per cluster`);
  // The implied pool (one `default` pool made from workers) was already checked as spec.workers.count.
  const implied = (p: ClusterSpec['nodePools'][number]) =>
    p.name === 'default' && p.count === spec.workers.count && spec.nodePools.length === 1;
  spec.nodePools
    .slice(0, MAX_NODE_POOLS)
    .forEach(
      (p, i) =>
        !implied(p) &&
        upTo(`spec.nodePools[${i}].count`, p.count, MAX_POOL_NODES[provider], `nodes per ${provider} pool`),
    );
  if (spec.network.allowCidrs.length > MAX_ALLOW_CIDRS)
    add(
      'spec.network.allowCidrs',
      `lists ${spec.network.allowCidrs.length} ranges; at most ${MAX_ALLOW_CIDRS} (each becomes firewall rules)`,
    );
  if (spec.machines.length > MAX_MACHINES_PER_CLUSTER)
    add('spec.machines', `lists ${spec.machines.length} machines; at most ${MAX_MACHINES_PER_CLUSTER} per cluster`);

  // The whole cluster: every count that is itself in range, added up.
  const counted = (n: number) => (isCount(n) && n > 0 ? n : 0);
  const pools =
    spec.nodePools.length > 0 ? spec.nodePools.reduce((s, p) => s + counted(p.count), 0) : counted(spec.workers.count);
  // Self-managed: every pool's machines (the default pool is spec.workers), plus the load balancer.
  const total = selfManaged
    ? counted(spec.controlPlane.count) + counted(spec.etcd.count) + pools + 1
    : counted(spec.controlPlane.count) + pools;
  if (total > MAX_MACHINES_PER_CLUSTER && issues.length === 0) {
    add(
      spec.nodePools.length > 0 ? 'spec.nodePools' : 'spec.workers.count',
      `the cluster would have ${total} machines; at most ${MAX_MACHINES_PER_CLUSTER} per cluster`,
    );
  }

  const texts: [string, unknown, number?][] = [
    ['spec.controlPlane.size', spec.controlPlane.size],
    ['spec.workers.size', spec.workers.size],
    ['spec.etcd.size', spec.etcd.size],
    ['spec.loadBalancer.size', spec.loadBalancer.size],
    ['spec.kubernetesVersion', spec.kubernetesVersion],
    ['spec.credentials.profile', spec.credentials.profile],
    ['spec.credentials.subscriptionId', spec.credentials.subscriptionId],
    ['spec.credentials.project', spec.credentials.project],
    ['spec.airgap.dir', spec.airgap.dir, MAX_PATH_LENGTH],
    ['spec.kubeadm.packageRepository.url', spec.kubeadm?.packageRepository?.url, MAX_PATH_LENGTH],
    ['spec.kubeadm.packageRepository.keyUrl', spec.kubeadm?.packageRepository?.keyUrl, MAX_PATH_LENGTH],
    ...spec.nodePools.slice(0, MAX_NODE_POOLS).map((p, i): [string, unknown] => [`spec.nodePools[${i}].size`, p.size]),
  ];
  for (const [path, v, max] of texts) {
    if (v !== undefined && !isShortText(v, max))
      add(path, `must be printable text of at most ${max ?? MAX_SHORT_STRING} characters`);
  }
  return issues;
}
