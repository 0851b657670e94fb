/**
 * What apply never changes in place, each with the reason and what to do instead. A file that differs
 * in any of these is refused as a whole (exit 2), so a cluster is never left half-applied.
 *
 * Operator-side settings are not part of the comparison: how ksctl logs in (spec.ssh.*, the AWS
 * profile) and the cgroup v1 consent (spec.kubelet.allowCgroupV1) change nothing on the cluster.
 */
import { isPlainDefaultPool } from '../../api/pools.js';
import type { ClusterSpec, MachineSpec, NodePoolSpec } from '../../api/types.js';
import type { Refusal } from './types.js';

const REBUILD = 'it is fixed when the cluster is created: create a new cluster with it and move the workloads';

const show = (v: unknown): string => (v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v));
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Cluster-wide fields that cannot change in place. */
export function clusterRefusals(had: ClusterSpec, want: ClusterSpec): Refusal[] {
  const out: Refusal[] = [];
  const check = (field: string, a: unknown, b: unknown, why: string) => {
    if (!same(a, b)) out.push({ field, from: show(a), to: show(b), why });
  };
  check('spec.provider', had.provider, want.provider, REBUILD);
  check('spec.region', had.region, want.region, REBUILD);
  check('spec.type', had.type, want.type, REBUILD);
  check('spec.distribution', had.distribution, want.distribution, REBUILD);
  const embedded = had.etcd.count === 0;
  check(
    'spec.controlPlane.count',
    had.controlPlane.count,
    want.controlPlane.count,
    embedded && had.type === 'selfmanaged'
      ? 'with embedded etcd the control planes are the etcd quorum, which apply does not resize: keep the count, or create a new cluster'
      : 'apply changes workers only: keep the count, or create a new cluster',
  );
  check(
    'spec.controlPlane.size',
    had.controlPlane.size,
    want.controlPlane.size,
    'control planes are not replaced in place: keep the size',
  );
  check('spec.etcd.count', had.etcd.count, want.etcd.count, 'the etcd quorum is not resized in place: keep the count');
  check('spec.etcd.size', had.etcd.size, want.etcd.size, 'etcd members are not replaced in place: keep the size');
  check('spec.etcd.release', had.etcd.release, want.etcd.release, 'etcd is installed once; keep the release');
  check(
    'spec.loadBalancer.size',
    had.loadBalancer.size,
    want.loadBalancer.size,
    'the load balancer is not replaced in place: keep the size',
  );
  check('spec.network.cidr', had.network.cidr, want.network.cidr, REBUILD);
  check(
    'spec.credentials.subscriptionId',
    had.credentials.subscriptionId,
    want.credentials.subscriptionId,
    'the cluster lives in that subscription: keep it',
  );
  check(
    'spec.credentials.project',
    had.credentials.project,
    want.credentials.project,
    'the cluster lives in that project: keep it',
  );
  check(
    'spec.airgap.enabled',
    had.airgap.enabled,
    want.airgap.enabled,
    'how ksctl installs is fixed at create: keep it',
  );
  // Not changed in place yet (apply records pools and access only): refused rather than silently ignored.
  check(
    'spec.kubeadm.packageRepository',
    had.kubeadm?.packageRepository,
    want.kubeadm?.packageRepository,
    'where kubeadm packages come from is recorded at create and apply does not change it: keep it as it was',
  );
  out.push(...machineRefusals(had.machines, want.machines));
  return out;
}

/**
 * The ssh provider's listed machines: workers may be added or removed (the default pool resizes),
 * but a listed machine is not re-addressed and no other role changes.
 */
function machineRefusals(had: MachineSpec[], want: MachineSpec[]): Refusal[] {
  const out: Refusal[] = [];
  const key = (m: MachineSpec) => ({
    role: m.role,
    address: m.address,
    privateAddress: m.privateAddress,
    port: m.port,
  });
  const before = new Map(had.map((m) => [m.name, m]));
  const after = new Map(want.map((m) => [m.name, m]));
  want.forEach((m, i) => {
    const old = before.get(m.name);
    if (old ? !same(key(old), key(m)) : m.role !== 'worker') {
      out.push({
        field: `spec.machines[${i}]`,
        from: old ? show(key(old)) : '(not listed)',
        to: show(key(m)),
        why: 'only worker machines may be added or removed: list the others as they were',
      });
    }
  });
  for (const m of had) {
    if (!after.has(m.name) && m.role !== 'worker')
      out.push({
        field: 'spec.machines',
        from: m.name,
        to: '(not listed)',
        why: `${m.role} ${m.name} cannot be removed in place: list it as it was`,
      });
  }
  return out;
}

/** A pool's fields that need new machines: size, spot and zones. */
export function poolRefusals(had: NodePoolSpec, want: NodePoolSpec, spec: ClusterSpec): Refusal[] {
  const out: Refusal[] = [];
  // A spec without pools names its default pool's fields as the user wrote them: spec.workers.*.
  const field = (k: string) =>
    isPlainDefaultPool(want, spec.workers) ? `spec.workers.${k}` : `spec.nodePools[${want.name}].${k}`;
  const why =
    "a pool's machines keep their size, capacity type and zones: add a new pool with the new value, then remove this one";
  if (had.size !== want.size) out.push({ field: field('size'), from: show(had.size), to: show(want.size), why });
  if (had.spot !== want.spot) out.push({ field: field('spot'), from: show(had.spot), to: show(want.spot), why });
  if (!same(had.zones, want.zones))
    out.push({ field: `spec.nodePools[${want.name}].zones`, from: show(had.zones), to: show(want.zones), why });
  return out;
}
