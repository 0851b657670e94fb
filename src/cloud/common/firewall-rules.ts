/**
 * Which traffic each role's security group admits (ARCHITECTURE.md "firewall ports"). SSH and the
 * public API port only from the operator's CIDRs; everything cluster-internal by security-group
 * reference, never by address range. Pure data, so `--dry-run` and tests read the same table.
 */
import type { ClusterSpec, Role } from '../../api/types.js';

export type Source = { cidr: string } | { group: Role };

export interface Rule {
  protocol: 'tcp' | 'udp';
  from: number;
  to: number;
  source: Source;
  description: string;
}

const NODES: Role[] = ['controlplane', 'worker'];

/** Roles that get machines (and so a security group) for this spec. */
export function rolesOf(spec: Pick<ClusterSpec, 'etcd'>): Role[] {
  return spec.etcd.count > 0
    ? ['loadbalancer', 'etcd', 'controlplane', 'worker']
    : ['loadbalancer', 'controlplane', 'worker'];
}

function fromGroups(groups: Role[], protocol: Rule['protocol'], from: number, to: number, description: string): Rule[] {
  return groups.map((group) => ({ protocol, from, to, source: { group }, description }));
}

function fromOperator(cidrs: string[], from: number, to: number, description: string): Rule[] {
  return cidrs.map((cidr) => ({ protocol: 'tcp' as const, from, to, source: { cidr }, description }));
}

export function firewallRules(
  spec: Pick<ClusterSpec, 'etcd' | 'distribution'>,
  operatorCidrs: string[],
): Record<Role, Rule[]> {
  const roles = rolesOf(spec);
  const kubeadm = spec.distribution === 'kubeadm';
  const ssh = fromOperator(operatorCidrs, 22, 22, 'ssh from operator');
  const nodeTraffic = [
    ...fromGroups(NODES, 'tcp', 10250, 10250, 'kubelet'),
    ...fromGroups(NODES, 'udp', 8472, 8472, 'flannel vxlan'),
    ...fromGroups([...NODES, 'loadbalancer'], 'tcp', 30000, 32767, 'nodeports'),
  ];
  const rules: Record<Role, Rule[]> = {
    loadbalancer: [
      ...ssh,
      ...fromOperator(operatorCidrs, 6443, 6443, 'api from operator'),
      ...fromGroups(NODES, 'tcp', 6443, 6443, 'api from nodes'),
    ],
    controlplane: [
      ...ssh,
      ...fromGroups(['loadbalancer', ...NODES], 'tcp', 6443, 6443, 'api'),
      ...nodeTraffic,
      // Embedded etcd (k3s --cluster-init, kubeadm stacked) between control planes.
      ...(spec.etcd.count === 0 ? fromGroups(['controlplane'], 'tcp', 2379, 2380, 'embedded etcd') : []),
    ],
    worker: [...ssh, ...nodeTraffic, ...(kubeadm ? fromGroups(NODES, 'tcp', 10256, 10256, 'kube-proxy health') : [])],
    etcd: roles.includes('etcd')
      ? [...ssh, ...fromGroups(['controlplane', 'etcd'], 'tcp', 2379, 2380, 'etcd clients and peers')]
      : [],
  };
  return rules;
}

/** A rule's identity, the same whether it came from the table or from DescribeSecurityGroups. */
export function ruleKey(protocol: string, from: number, to: number, source: string): string {
  return `${protocol}:${from}-${to}:${source}`;
}
