/** Fake EKS: clusters CREATING → ACTIVE, DELETING → gone; node groups likewise; version list. */
import { eksError } from './errors.js';
import { checkLabelPayload, checkScaling } from './fake-eks-day2.js';
import { startEksUpdate } from './fake-eks-updates.js';
import { getSubnet } from './fake-ec2-network.js';
import {
  inRegion,
  newId,
  paginate,
  zoneIdOf,
  zonesOf,
  type EksCluster,
  type Env,
  type Handler,
  type Nodegroup,
} from './model.js';

const NODE_POLICIES = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'].map(
  (p) => `arn:aws:iam::aws:policy/${p}`,
);
const ckey = (env: Env, name: string) => `${env.region}/${name}`;
const nkey = (env: Env, cluster: string, name: string) => `${env.region}/${cluster}/${name}`;

export function advanceEks(env: Env): void {
  for (const [k, c] of Object.entries(env.data.eksClusters)) {
    if (c.status === 'CREATING' && env.now >= c.readyAt) c.status = 'ACTIVE';
    if (c.status === 'DELETING' && c.deleteAt !== undefined && env.now >= c.deleteAt) {
      delete env.data.sgs[c.clusterSgId];
      delete env.data.eksClusters[k];
    }
  }
  for (const [k, n] of Object.entries(env.data.nodegroups)) {
    if ((n.status === 'CREATING' || n.status === 'UPDATING') && env.now >= n.readyAt) n.status = 'ACTIVE';
    if (n.status === 'DELETING' && n.deleteAt !== undefined && env.now >= n.deleteAt) delete env.data.nodegroups[k];
  }
}

function getCluster(env: Env, name: string): EksCluster {
  const c = env.data.eksClusters[ckey(env, name)];
  if (!c) throw eksError('ResourceNotFoundException', `No cluster found for name: ${name}.`);
  return c;
}

function getNodegroup(env: Env, cluster: string, name: string): Nodegroup {
  getCluster(env, cluster);
  const n = env.data.nodegroups[nkey(env, cluster, name)];
  if (!n) throw eksError('ResourceNotFoundException', `No node group found for name: ${name}.`);
  return n;
}

const clusterOut = (c: EksCluster) => ({
  name: c.name,
  arn: c.arn,
  createdAt: new Date(c.createdAt),
  version: c.version,
  roleArn: c.roleArn,
  status: c.status,
  tags: { ...c.tags },
  resourcesVpcConfig: {
    subnetIds: c.subnetIds,
    vpcId: c.vpcId,
    clusterSecurityGroupId: c.clusterSgId,
    endpointPublicAccess: true,
    endpointPrivateAccess: true,
    publicAccessCidrs: c.publicAccessCidrs,
  },
  ...(c.status === 'ACTIVE'
    ? { endpoint: c.endpoint, certificateAuthority: { data: c.ca } }
    : { certificateAuthority: {} }),
  platformVersion: 'eks.1',
});

const nodegroupOut = (n: Nodegroup) => ({
  nodegroupName: n.name,
  clusterName: n.cluster,
  nodegroupArn: n.arn,
  status: n.status,
  capacityType: n.capacityType,
  scalingConfig: { ...n.scaling },
  instanceTypes: n.instanceTypes,
  subnets: n.subnets,
  nodeRole: n.nodeRole,
  amiType: n.amiType,
  ...(n.version ? { version: n.version } : {}),
  labels: { ...n.labels },
  taints: (n.taints ?? []).map((t) => ({ ...t })),
  tags: { ...n.tags },
  createdAt: new Date(n.createdAt),
  health: { issues: [] },
});

/**
 * What EKS checks of a node group's taints beyond its model (key, value and label lengths and the
 * effect's enum are botocore's, checked for every request by ./model-check.ts): a taint needs a
 * key, and a node group has at most 50 taints (the EKS quota).
 */
function checkTaints(taints: { key?: string; value?: string; effect?: string }[] | undefined): void {
  if ((taints ?? []).length > 50) throw eksError('InvalidParameterException', 'Nodegroup can have at most 50 taints');
  if ((taints ?? []).some((t) => !t.key))
    throw eksError('InvalidParameterException', 'Taint key must be between 1 and 63 characters');
}

export const eksHandlers: Record<string, Handler> = {
  DescribeClusterVersions(env, i) {
    const list = env.config.eksVersions
      .filter((v) => !i.clusterVersions?.length || i.clusterVersions.includes(v.version))
      .map((v) => ({
        clusterVersion: v.version,
        clusterType: 'eks',
        status: v.status,
        versionStatus: v.status,
        defaultVersion: !!v.default,
      }));
    const { page, next } = paginate(list, i.maxResults, i.nextToken, env.config.pageSize);
    return { clusterVersions: page, ...(next ? { nextToken: next } : {}) };
  },
  CreateCluster(env, i) {
    const existing = env.data.eksClusters[ckey(env, i.name)];
    if (existing) {
      if (i.clientRequestToken && existing.token === i.clientRequestToken) return { cluster: clusterOut(existing) };
      throw eksError('ResourceInUseException', `Cluster already exists with name: ${i.name}`);
    }
    // No version: EKS creates its default one.
    const version = i.version ?? env.config.eksVersions.find((v) => v.default)?.version;
    if (!env.config.eksVersions.some((v) => v.version === version))
      throw eksError('InvalidParameterException', `unsupported Kubernetes version ${i.version}`);
    const roleName =
      String(i.roleArn ?? '')
        .split('/')
        .pop() ?? '';
    const role = env.data.roles[roleName];
    if (!role || role.arn !== i.roleArn || env.now < role.createdAt + env.config.latencies.iamPropagation) {
      throw eksError(
        'InvalidParameterException',
        `Role with arn: ${i.roleArn}, could not be assumed because it does not exist or the trusted entity is not correct`,
      );
    }
    const subnets = ((i.resourcesVpcConfig?.subnetIds ?? []) as string[]).map((id) => getSubnet(env, id));
    if (new Set(subnets.map((s) => s.az)).size < 2)
      throw eksError('InvalidParameterException', 'Subnets specified must be in at least two different AZs');
    // Like EKS: some zone IDs cannot hold a control plane; the answer names the zones that can.
    const refused = subnets.filter((s) => env.config.eksUnsupportedZoneIds.includes(zoneIdOf(env, s.az)));
    if (refused.length > 0) {
      const valid = zonesOf(env).filter((z) => !env.config.eksUnsupportedZoneIds.includes(zoneIdOf(env, z)));
      throw eksError(
        'UnsupportedAvailabilityZoneException',
        `Cannot create cluster '${i.name}' because ${refused[0]!.az}, the targeted availability zone, does not currently have sufficient capacity to support the cluster. Retry and choose from these availability zones: ${valid.join(', ')}`,
      );
    }
    const vpcId = subnets[0]!.vpcId;
    const sgId = newId(env.data, 'sg');
    env.data.sgs[sgId] = {
      id: sgId,
      region: env.region,
      vpcId,
      name: `eks-cluster-sg-${i.name}-${sgId.slice(-8)}`,
      description: 'EKS created security group',
      isDefault: false,
      createdAt: env.now,
      ingress: [{ proto: '-1', from: -1, to: -1, groupId: sgId }],
      egress: [{ proto: '-1', from: -1, to: -1, cidr: '0.0.0.0/0' }],
      tags: { 'aws:eks:cluster-name': i.name, [`kubernetes.io/cluster/${i.name}`]: 'owned' },
    };
    const hex = sgId.slice(-12).toUpperCase();
    const c: EksCluster = {
      name: i.name,
      region: env.region,
      arn: `arn:aws:eks:${env.region}:${env.config.account}:cluster/${i.name}`,
      version,
      roleArn: i.roleArn,
      subnetIds: subnets.map((s) => s.id),
      vpcId,
      status: 'CREATING',
      createdAt: env.now,
      readyAt: env.now + env.config.latencies.eksCluster,
      endpoint: `https://${hex}.gr7.${env.region}.eks.amazonaws.com`,
      ca: Buffer.from(`-----BEGIN CERTIFICATE-----\nFAKE-EKS-CA-${hex}\n-----END CERTIFICATE-----\n`).toString(
        'base64',
      ),
      tags: { ...(i.tags ?? {}) },
      ...(i.clientRequestToken ? { token: i.clientRequestToken } : {}),
      clusterSgId: sgId,
      publicAccessCidrs: i.resourcesVpcConfig?.publicAccessCidrs ?? ['0.0.0.0/0'],
    };
    env.data.eksClusters[ckey(env, c.name)] = c;
    return { cluster: clusterOut(c) };
  },
  DescribeCluster(env, i) {
    return { cluster: clusterOut(getCluster(env, i.name)) };
  },
  DeleteCluster(env, i) {
    const c = getCluster(env, i.name);
    if (inRegion(env, env.data.nodegroups).some((n) => n.cluster === c.name)) {
      throw eksError('ResourceInUseException', `Cluster has nodegroups attached`);
    }
    if (c.status !== 'DELETING') {
      c.status = 'DELETING';
      c.deleteAt = env.now + env.config.latencies.eksClusterDelete;
    }
    return { cluster: clusterOut(c) };
  },
  ListClusters(env, i) {
    const names = inRegion(env, env.data.eksClusters)
      .map((c) => c.name)
      .sort();
    const { page, next } = paginate(names, i.maxResults, i.nextToken, env.config.pageSize);
    return { clusters: page, ...(next ? { nextToken: next } : {}) };
  },
  CreateNodegroup(env, i) {
    const c = getCluster(env, i.clusterName);
    checkScaling(i.scalingConfig ?? {});
    const k = nkey(env, c.name, i.nodegroupName);
    const existing = env.data.nodegroups[k];
    if (existing) {
      if (i.clientRequestToken && existing.token === i.clientRequestToken) return { nodegroup: nodegroupOut(existing) };
      throw eksError(
        'ResourceInUseException',
        `NodeGroup already exists with name ${i.nodegroupName} and cluster name ${c.name}`,
      );
    }
    if (c.status !== 'ACTIVE') throw eksError('ResourceInUseException', `Cluster '${c.name}' is not in ACTIVE status`);
    const roleName =
      String(i.nodeRole ?? '')
        .split('/')
        .pop() ?? '';
    const role = env.data.roles[roleName];
    if (!role) throw eksError('InvalidParameterException', `The role with name ${roleName} cannot be found.`);
    if (!NODE_POLICIES.every((p) => role.attached.includes(p))) {
      throw eksError(
        'InvalidParameterException',
        "The provided role doesn't have the Amazon EKS Managed Policies associated with it.",
      );
    }
    for (const s of (i.subnets ?? []) as string[]) {
      // Like EKS: a node group's subnets are in the cluster's VPC.
      if (getSubnet(env, s).vpcId !== c.vpcId)
        throw eksError('InvalidParameterException', `Subnet ${s} is not in the VPC of cluster ${c.name}`);
    }
    checkTaints(i.taints);
    const n: Nodegroup = {
      cluster: c.name,
      name: i.nodegroupName,
      region: env.region,
      arn: `arn:aws:eks:${env.region}:${env.config.account}:nodegroup/${c.name}/${i.nodegroupName}/${newId(env.data, 'ng').slice(3)}`,
      status: 'CREATING',
      createdAt: env.now,
      readyAt: env.now + env.config.latencies.nodegroup,
      capacityType: i.capacityType ?? 'ON_DEMAND',
      scaling: { ...(i.scalingConfig ?? {}) },
      instanceTypes: i.instanceTypes ?? ['t3.medium'],
      subnets: i.subnets ?? [],
      nodeRole: i.nodeRole,
      ...(i.amiType ? { amiType: i.amiType } : {}),
      tags: { ...(i.tags ?? {}) },
      labels: { ...(i.labels ?? {}) },
      taints: ((i.taints ?? []) as Nodegroup['taints']).map((t) => ({ ...t })),
      ...(i.clientRequestToken ? { token: i.clientRequestToken } : {}),
      version: i.version ?? c.version,
    };
    env.data.nodegroups[k] = n;
    return { nodegroup: nodegroupOut(n) };
  },
  DescribeNodegroup(env, i) {
    return { nodegroup: nodegroupOut(getNodegroup(env, i.clusterName, i.nodegroupName)) };
  },
  DeleteNodegroup(env, i) {
    const n = getNodegroup(env, i.clusterName, i.nodegroupName);
    if (n.status === 'DELETING')
      throw eksError('ResourceInUseException', `Nodegroup ${n.name} is already being deleted`);
    n.status = 'DELETING';
    n.deleteAt = env.now + env.config.latencies.nodegroupDelete;
    return { nodegroup: nodegroupOut(n) };
  },
  ListNodegroups(env, i) {
    const c = getCluster(env, i.clusterName);
    const names = inRegion(env, env.data.nodegroups)
      .filter((n) => n.cluster === c.name)
      .map((n) => n.name)
      .sort();
    const { page, next } = paginate(names, i.maxResults, i.nextToken, env.config.pageSize);
    return { nodegroups: page, ...(next ? { nextToken: next } : {}) };
  },
  UpdateNodegroupConfig(env, i) {
    const n = getNodegroup(env, i.clusterName, i.nodegroupName);
    if (n.status !== 'ACTIVE') throw eksError('ResourceInUseException', `Nodegroup ${n.name} is ${n.status}`);
    if (!i.labels && !i.taints && !i.scalingConfig && !i.updateConfig && !i.nodeRepairConfig)
      throw eksError('InvalidParameterException', 'No changes needed');
    checkScaling({ ...n.scaling, ...(i.scalingConfig ?? {}) });
    checkLabelPayload(i.labels);
    n.scaling = { ...n.scaling, ...(i.scalingConfig ?? {}) };
    // Like EKS: labels and taints change through add-or-update / remove payloads.
    if (i.labels) {
      for (const k of (i.labels.removeLabels ?? []) as string[]) delete n.labels[k];
      Object.assign(n.labels, i.labels.addOrUpdateLabels ?? {});
    }
    if (i.taints) {
      checkTaints(i.taints.addOrUpdateTaints);
      checkTaints(i.taints.removeTaints);
      const same = (a: { key: string; effect: string }, b: { key: string; effect: string }) =>
        a.key === b.key && a.effect === b.effect;
      const removed = (i.taints.removeTaints ?? []) as Nodegroup['taints'];
      const added = (i.taints.addOrUpdateTaints ?? []) as Nodegroup['taints'];
      n.taints = [
        ...n.taints.filter((t) => !removed.some((r) => same(r, t)) && !added.some((a) => same(a, t))),
        ...added.map((t) => ({ ...t })),
      ];
    }
    n.status = 'UPDATING';
    n.readyAt = env.now + env.config.latencies.nodegroup / 2;
    return startEksUpdate(env, {
      cluster: i.clusterName,
      nodegroup: n.name,
      type: 'ConfigUpdate',
      doneAt: n.readyAt,
      params: [],
      change: {},
    });
  },
};
