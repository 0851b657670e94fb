/**
 * FakeAws's EKS updates (botocore eks 2017-11-01): UpdateClusterConfig (the endpoint's public access
 * CIDRs), UpdateClusterVersion, UpdateNodegroupVersion and DescribeUpdate (UpdateNodegroupConfig, in
 * fake-eks.ts, records its update here too). Each returns an Update
 * InProgress; the cluster (UPDATING) or node group (UPDATING) takes the change when it succeeds, and
 * another update meanwhile is refused (ResourceInUseException), as EKS does. What EKS refuses: a
 * version update of more than one minor, a cluster upgrade while a node group lags behind it, a node
 * group newer than its cluster, a config update that changes nothing, a malformed CIDR.
 */
import { eksError } from './errors.js';
import { newId, type EksCluster, type EksUpdate, type Env, type Handler, type Nodegroup } from './model.js';

/** EKS's quota "public endpoint access CIDR ranges per cluster". */
const MAX_PUBLIC_CIDRS = 40;

const updatesOf = (env: Env) => (env.data.eksUpdates ??= {});

function cluster(env: Env, name: string): EksCluster {
  const c = env.data.eksClusters[`${env.region}/${name}`];
  if (!c) throw eksError('ResourceNotFoundException', `No cluster found for name: ${name}.`);
  return c;
}

function nodegroup(env: Env, c: EksCluster, name: string): Nodegroup {
  const n = env.data.nodegroups[`${env.region}/${c.name}/${name}`];
  if (!n) throw eksError('ResourceNotFoundException', `No node group found for name: ${name}.`);
  return n;
}

const minor = (v: string) => Number(v.split('.')[1]);

/** Finishes the updates that are due: the change lands, the cluster or node group is ACTIVE again. */
export function advanceEksUpdates(env: Env): void {
  for (const u of Object.values(updatesOf(env))) {
    if (u.status !== 'InProgress' || env.now < u.doneAt) continue;
    u.status = 'Successful';
    const c = env.data.eksClusters[`${u.region}/${u.cluster}`];
    if (!c) continue;
    if (u.nodegroup) {
      const n = env.data.nodegroups[`${u.region}/${u.cluster}/${u.nodegroup}`];
      if (n && u.change.version) n.version = u.change.version;
      if (n?.status === 'UPDATING') n.status = 'ACTIVE';
      continue;
    }
    if (u.change.version) c.version = u.change.version;
    if (u.change.publicAccessCidrs) c.publicAccessCidrs = [...u.change.publicAccessCidrs];
    if (c.status === 'UPDATING') c.status = 'ACTIVE';
  }
}

/** Records an update InProgress until `doneAt` (DescribeUpdate reads it); UpdateNodegroupConfig's too. */
export function startEksUpdate(env: Env, u: Omit<EksUpdate, 'id' | 'region' | 'status' | 'createdAt'>) {
  const update: EksUpdate = {
    ...u,
    id: newId(env.data, 'upd').slice(4),
    region: env.region,
    status: 'InProgress',
    createdAt: env.now,
  };
  updatesOf(env)[update.id] = update;
  return { update: updateOut(update) };
}

const updateOut = (u: EksUpdate) => ({
  id: u.id,
  status: u.status,
  type: u.type,
  params: u.params.map((p) => ({ ...p })),
  createdAt: new Date(u.createdAt),
  errors: [],
});

function checkCidrs(cidrs: unknown): string[] {
  if (!Array.isArray(cidrs)) throw eksError('InvalidParameterException', 'publicAccessCidrs must be a list');
  const bad = cidrs.filter((c) => {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(String(c));
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) return true;
    const ip = m.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
    return ip % 2 ** (32 - Number(m[5])) !== 0;
  });
  if (bad.length > 0)
    throw eksError(
      'InvalidParameterException',
      `The following CIDRs are invalid in publicAccessCidrs: [${bad.map(String).join(', ')}]`,
    );
  if (cidrs.length > MAX_PUBLIC_CIDRS)
    throw eksError('InvalidParameterException', `publicAccessCidrs can hold at most ${MAX_PUBLIC_CIDRS} CIDR blocks`);
  return cidrs as string[];
}

function idle(c: EksCluster): void {
  if (c.status !== 'ACTIVE')
    throw eksError('ResourceInUseException', `Cluster ${c.name} is ${c.status}; an update can start once it is ACTIVE`);
}

export const eksUpdateHandlers: Record<string, Handler> = {
  UpdateClusterConfig(env, i) {
    const c = cluster(env, i.name);
    idle(c);
    const vpc = i.resourcesVpcConfig ?? {};
    const cidrs = vpc.publicAccessCidrs === undefined ? c.publicAccessCidrs : checkCidrs(vpc.publicAccessCidrs);
    const same = [...cidrs].sort().join() === [...c.publicAccessCidrs].sort().join();
    if (same && vpc.endpointPublicAccess !== false && vpc.endpointPrivateAccess !== false)
      throw eksError(
        'InvalidParameterException',
        `Cluster is already at the desired configuration with endpointPrivateAccess: true , endpointPublicAccess: true, and Public Endpoint Restrictions: [${c.publicAccessCidrs.join(', ')}]`,
      );
    c.status = 'UPDATING';
    return startEksUpdate(env, {
      cluster: c.name,
      type: 'EndpointAccessUpdate',
      doneAt: env.now + env.config.latencies.eksCluster / 10,
      params: [
        { type: 'EndpointPublicAccess', value: 'true' },
        { type: 'EndpointPrivateAccess', value: 'true' },
        { type: 'PublicAccessCidrs', value: JSON.stringify(cidrs) },
      ],
      change: { publicAccessCidrs: cidrs },
    });
  },
  UpdateClusterVersion(env, i) {
    const c = cluster(env, i.name);
    idle(c);
    if (!env.config.eksVersions.some((v) => v.version === i.version))
      throw eksError('InvalidParameterException', `unsupported Kubernetes version ${i.version}`);
    if (minor(i.version) !== minor(c.version) + 1)
      throw eksError(
        'InvalidParameterException',
        `Unsupported Kubernetes minor version update from ${c.version} to ${i.version}`,
      );
    const lagging = Object.values(env.data.nodegroups).filter(
      (n) => n.region === env.region && n.cluster === c.name && (n.version ?? c.version) !== c.version,
    );
    if (lagging.length > 0)
      throw eksError(
        'InvalidRequestException',
        `Nodegroup ${lagging[0]!.name} must be updated to match cluster version ${c.version} before updating cluster version`,
      );
    c.status = 'UPDATING';
    return startEksUpdate(env, {
      cluster: c.name,
      type: 'VersionUpdate',
      doneAt: env.now + env.config.latencies.eksCluster,
      params: [
        { type: 'Version', value: i.version },
        { type: 'PlatformVersion', value: 'eks.1' },
      ],
      change: { version: i.version },
    });
  },
  UpdateNodegroupVersion(env, i) {
    const c = cluster(env, i.clusterName);
    const n = nodegroup(env, c, i.nodegroupName);
    idle(c);
    if (n.status !== 'ACTIVE') throw eksError('ResourceInUseException', `Nodegroup ${n.name} is ${n.status}`);
    const version: string = i.version ?? c.version;
    if (minor(version) > minor(c.version))
      throw eksError(
        'InvalidParameterException',
        `Requested Nodegroup Kubernetes Version ${version} is newer than the cluster version ${c.version}`,
      );
    n.status = 'UPDATING';
    const doneAt = env.now + env.config.latencies.nodegroup;
    n.readyAt = doneAt;
    return startEksUpdate(env, {
      cluster: c.name,
      nodegroup: n.name,
      type: 'VersionUpdate',
      doneAt,
      params: [
        { type: 'Version', value: version },
        { type: 'ReleaseVersion', value: `${version}.0-20261201` },
      ],
      change: { version },
    });
  },
  DescribeUpdate(env, i) {
    const c = cluster(env, i.name);
    const u = updatesOf(env)[i.updateId];
    // EKS finds a node group's update only with its nodegroupName, a cluster's only without one.
    if (!u || u.region !== env.region || u.cluster !== c.name || u.nodegroup !== i.nodegroupName)
      throw eksError('ResourceNotFoundException', `No update found for ID: ${i.updateId}`);
    return { update: updateOut(u) };
  },
};
