/** The machines a self-managed spec calls for, named `<cluster>-<role>-<i>` (the same on every cloud). */
import type { ClusterSpec, Role } from '../../api/types.js';
import type { PlannedMachine } from '../types.js';

export function machinePlanOf(spec: ClusterSpec): PlannedMachine[] {
  const out: PlannedMachine[] = [];
  const add = (role: Role, count: number, size: string, spot = false) => {
    for (let index = 0; index < count; index++) out.push({ name: `${spec.name}-${role}-${index}`, role, size, spot, index });
  };
  add('loadbalancer', 1, spec.loadBalancer.size);
  add('etcd', spec.etcd.count, spec.etcd.size);
  add('controlplane', spec.controlPlane.count, spec.controlPlane.size);
  add('worker', spec.workers.count, spec.workers.size, spec.workers.spot);
  return out;
}
