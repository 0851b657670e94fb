/** A flat list of what exists in the fake cloud, for assertions ("every resource tagged", "zero left"). */
import type { FakeData } from './model.js';

export interface InventoryItem {
  kind:
    | 'vpc'
    | 'subnet'
    | 'internet-gateway'
    | 'route-table'
    | 'security-group'
    | 'key-pair'
    | 'instance'
    | 'volume'
    | 'eks-cluster'
    | 'eks-nodegroup'
    | 'iam-role';
  id: string;
  region: string;
  tags: Record<string, string>;
  /** Created by AWS itself (an EKS cluster security group): not the provider's to tag or delete. */
  awsManaged: boolean;
}

export function inventoryOf(d: FakeData): InventoryItem[] {
  const item = (
    kind: InventoryItem['kind'],
    id: string,
    region: string,
    tags: Record<string, string>,
    awsManaged = false,
  ): InventoryItem => ({ kind, id, region, tags, awsManaged });
  return [
    ...Object.values(d.vpcs).map((x) => item('vpc', x.id, x.region, x.tags)),
    ...Object.values(d.subnets).map((x) => item('subnet', x.id, x.region, x.tags)),
    ...Object.values(d.igws).map((x) => item('internet-gateway', x.id, x.region, x.tags)),
    ...Object.values(d.routeTables)
      .filter((x) => !x.main)
      .map((x) => item('route-table', x.id, x.region, x.tags)),
    ...Object.values(d.sgs)
      .filter((x) => !x.isDefault)
      .map((x) => item('security-group', x.id, x.region, x.tags, 'aws:eks:cluster-name' in x.tags)),
    ...Object.values(d.keyPairs).map((x) => item('key-pair', x.id, x.region, x.tags)),
    ...Object.values(d.instances)
      .filter((x) => x.state !== 'terminated')
      .map((x) => item('instance', x.id, x.region, x.tags)),
    ...Object.values(d.volumes)
      .filter((x) => x.state !== 'deleted')
      .map((x) => item('volume', x.id, x.region, x.tags)),
    ...Object.values(d.eksClusters).map((x) => item('eks-cluster', x.arn, x.region, x.tags)),
    ...Object.values(d.nodegroups).map((x) => item('eks-nodegroup', x.arn, x.region, x.tags)),
    ...Object.values(d.roles).map((x) => item('iam-role', x.arn, 'global', x.tags)),
  ];
}
