/**
 * The fake cloud's state: plain JSON (so it can be saved and shared between processes), with the
 * helpers every fake service uses — ids, tags, Describe filters, pagination, lazy state transitions.
 */
import type { FakeConfig } from './config.js';
import { ec2Error } from './errors.js';
import type { WireDoc } from '../../helpers/wire.js';

export type { FakeConfig, FakeInstanceType, FakeLatencies, FakeRegion } from './config.js';
export { defaultConfig } from './config.js';

export interface Res {
  id: string;
  region: string;
  tags: Record<string, string>;
  createdAt: number;
}
export interface Rule {
  proto: string;
  from: number;
  to: number;
  cidr?: string;
  cidr6?: string;
  groupId?: string;
  description?: string;
}
export interface Vpc extends Res {
  cidr: string;
  dnsHostnames: boolean;
  dnsSupport: boolean;
  defaultSgId: string;
  mainRtbId: string;
}
export interface Subnet extends Res {
  vpcId: string;
  cidr: string;
  az: string;
  mapPublicIp: boolean;
  nextHost: number;
}
export interface Igw extends Res {
  attachments: string[];
}
export interface RouteTable extends Res {
  vpcId: string;
  main: boolean;
  routes: { dest: string; gatewayId: string }[];
  associations: { id: string; subnetId?: string; main: boolean }[];
}
export interface Sg extends Res {
  vpcId: string;
  name: string;
  description: string;
  ingress: Rule[];
  egress: Rule[];
  isDefault: boolean;
}
export interface KeyPair extends Res {
  name: string;
  publicKey: string;
  fingerprint: string;
  keyType: string;
}
export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
export interface Inst extends Res {
  type: string;
  imageId: string;
  subnetId: string;
  vpcId: string;
  az: string;
  sgIds: string[];
  keyName?: string;
  clientToken?: string;
  state: InstanceState;
  stateAt: number;
  privateIp: string;
  publicIp?: string;
  spot: boolean;
  userData?: string;
  reservationId: string;
  volumeIds: string[];
  /** Set once FakeAws.onInstanceBoot finished for this instance (its first boot, as cloud-init's). */
  booted?: boolean;
}
export interface Volume extends Res {
  instanceId: string;
  size: number;
  state: 'in-use' | 'deleted';
}
export interface EksCluster {
  name: string;
  region: string;
  arn: string;
  version: string;
  roleArn: string;
  subnetIds: string[];
  vpcId: string;
  status: 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING' | 'FAILED';
  createdAt: number;
  readyAt: number;
  deleteAt?: number;
  endpoint: string;
  ca: string;
  tags: Record<string, string>;
  token?: string;
  clusterSgId: string;
  publicAccessCidrs: string[];
}
export interface Nodegroup {
  cluster: string;
  name: string;
  region: string;
  arn: string;
  status: 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING' | 'CREATE_FAILED';
  createdAt: number;
  readyAt: number;
  deleteAt?: number;
  capacityType: string;
  scaling: { minSize?: number; maxSize?: number; desiredSize?: number };
  instanceTypes: string[];
  subnets: string[];
  nodeRole: string;
  amiType?: string;
  tags: Record<string, string>;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  token?: string;
  /** Kubernetes minor of the group's AMI (EKS: the cluster's at create unless asked). */
  version?: string;
}
/** An EKS Update (UpdateClusterConfig, UpdateClusterVersion, UpdateNodegroupVersion): fake-eks-updates.ts. */
export interface EksUpdate {
  id: string;
  region: string;
  cluster: string;
  nodegroup?: string;
  type: 'VersionUpdate' | 'EndpointAccessUpdate' | 'ConfigUpdate';
  status: 'InProgress' | 'Successful' | 'Failed';
  createdAt: number;
  doneAt: number;
  params: { type: string; value: string }[];
  /** What the cluster or node group becomes when the update succeeds (a ConfigUpdate's change lands at once). */
  change: { version?: string; publicAccessCidrs?: string[] };
}
export interface Role {
  name: string;
  arn: string;
  roleId: string;
  trust: string;
  description?: string;
  tags: Record<string, string>;
  attached: string[];
  createdAt: number;
}

export interface FakeData {
  version: 1;
  seq: number;
  vpcs: Record<string, Vpc>;
  subnets: Record<string, Subnet>;
  igws: Record<string, Igw>;
  routeTables: Record<string, RouteTable>;
  sgs: Record<string, Sg>;
  keyPairs: Record<string, KeyPair>;
  instances: Record<string, Inst>;
  volumes: Record<string, Volume>;
  /** `region|token` → instance ids and a hash of the request, for RunInstances idempotency. */
  clientTokens: Record<string, { instanceIds: string[]; hash: string }>;
  eksClusters: Record<string, EksCluster>;
  nodegroups: Record<string, Nodegroup>;
  roles: Record<string, Role>;
  /** Absent in fake state saved before updates existed. */
  eksUpdates?: Record<string, EksUpdate>;
}

export function emptyData(): FakeData {
  return {
    version: 1,
    seq: 0,
    vpcs: {},
    subnets: {},
    igws: {},
    routeTables: {},
    sgs: {},
    keyPairs: {},
    instances: {},
    volumes: {},
    clientTokens: {},
    eksClusters: {},
    nodegroups: {},
    roles: {},
  };
}

/** Short random-looking hex from the sequence (deterministic per model). */
export function newId(data: FakeData, prefix: string, len = 17): string {
  data.seq += 1;
  const hex = (data.seq * 2654435761 + 0x9e3779b9).toString(16).padStart(8, '0');
  return `${prefix}-${(hex + data.seq.toString(16).padStart(len, '0')).slice(-len)}`;
}

export const toTags = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** Tags from TagSpecifications for one resource type. */
export function tagsFromSpecs(
  specs: { ResourceType?: string; Tags?: { Key?: string; Value?: string }[] }[] | undefined,
  type: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs ?? []) {
    if (s.ResourceType !== type) continue;
    for (const t of s.Tags ?? []) if (t.Key) out[t.Key] = t.Value ?? '';
  }
  return out;
}

export type FilterFields = Record<string, string | string[] | boolean | number | undefined>;

function glob(pattern: string, value: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(value);
}

/**
 * EC2 Filters: AND across filters, OR across a filter's values, `*` wildcards, `tag:Key` and
 * `tag-key` built in. An unknown filter name is an error, as in EC2.
 */
export function matchesFilters(
  fields: FilterFields,
  tags: Record<string, string>,
  filters: { Name?: string; Values?: string[] }[] | undefined,
): boolean {
  for (const f of filters ?? []) {
    const name = f.Name ?? '';
    const values = f.Values ?? [];
    let actual: string[];
    if (name.startsWith('tag:')) {
      const v = tags[name.slice(4)];
      actual = v === undefined ? [] : [v];
    } else if (name === 'tag-key') {
      actual = Object.keys(tags);
    } else if (name in fields) {
      const v = fields[name];
      actual = v === undefined ? [] : Array.isArray(v) ? v : [String(v)];
    } else {
      throw ec2Error('InvalidParameterValue', `The filter '${name}' is invalid`);
    }
    if (!values.some((p) => actual.some((a) => glob(p, a)))) return false;
  }
  return true;
}

/** Offset-based NextToken paging. */
export function paginate<T>(
  items: T[],
  maxResults: number | undefined,
  token: string | undefined,
  pageSize: number,
): { page: T[]; next?: string } {
  const size = Math.max(1, Math.min(maxResults ?? pageSize, pageSize));
  const start = token ? Number.parseInt(token, 36) : 0;
  if (!Number.isFinite(start) || start < 0) throw ec2Error('InvalidParameterValue', `invalid NextToken ${token}`);
  const page = items.slice(start, start + size);
  const next = start + size < items.length ? (start + size).toString(36) : undefined;
  return next ? { page, next } : { page };
}

/** IPv4 helpers for address assignment and CIDR checks. */
export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
}
export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
export function cidrRange(cidr: string): { start: number; size: number; prefix: number } {
  const [ip, p] = cidr.split('/');
  const prefix = Number(p);
  const size = 2 ** (32 - prefix);
  const base = ipToInt(ip ?? '0.0.0.0');
  return { start: base - (base % size), size, prefix };
}
export function cidrWithin(inner: string, outer: string): boolean {
  const a = cidrRange(inner);
  const b = cidrRange(outer);
  return a.start >= b.start && a.start + a.size <= b.start + b.size;
}
export function cidrOverlaps(x: string, y: string): boolean {
  const a = cidrRange(x);
  const b = cidrRange(y);
  return a.start < b.start + b.size && b.start < a.start + a.size;
}

/** What a fake service handler sees for one call. */
export interface Env {
  data: FakeData;
  config: FakeConfig;
  /** Fake time of this call. */
  now: number;
  /** Region of the calling client. */
  region: string;
  /** Optional in-process address hook (wins over config.ipMap). */
  ipHook?: (info: {
    name?: string;
    role?: string;
    instanceId: string;
    subnetCidr: string;
  }) => { privateIp?: string; publicIp?: string } | undefined;
}

export type Handler = (env: Env, input: WireDoc) => unknown;

/** Deterministic AMI id for Canonical's Ubuntu 24.04 image of an architecture in a region. */
export function amiId(region: string, arch: 'x86_64' | 'arm64'): string {
  let h = 2166136261;
  for (const c of `${region}/${arch}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return `ami-0${h.toString(16).padStart(8, '0')}${arch === 'arm64' ? 'a64' : 'x86'}f00d`;
}

export function imageArch(region: string, imageId: string): 'x86_64' | 'arm64' | undefined {
  if (imageId === amiId(region, 'x86_64')) return 'x86_64';
  if (imageId === amiId(region, 'arm64')) return 'arm64';
  return undefined;
}

/** A terminated instance's network interface keeps subnets and groups busy a little longer. */
export function holdsDependencies(env: Env, inst: Inst): boolean {
  return inst.state !== 'terminated' || env.now < inst.stateAt + env.config.latencies.eniRelease;
}

export function zonesOf(env: Env): string[] {
  return env.config.regions.find((r) => r.name === env.region)?.zones ?? [];
}

/** `us-east-1` → `use1`, `ap-southeast-2` → `apse2`: the prefix of the region's zone IDs. */
const regionCode = (region: string) =>
  region.replace(
    /^([a-z]+)-([a-z]+)-(\d+)$/,
    (_m, area: string, dir: string, n: string) =>
      `${area}${dir
        .replace(/north/g, 'n')
        .replace(/south/g, 's')
        .replace(/east/g, 'e')
        .replace(/west/g, 'w')
        .replace(/central/g, 'c')}${n}`,
  );

/** The zone ID of a zone name in this account (see FakeRegion.zoneIds). */
export function zoneIdOf(env: Env, zone: string): string {
  const r = env.config.regions.find((x) => x.name === env.region);
  return r?.zoneIds?.[zone] ?? `${regionCode(env.region)}-az${(r?.zones.indexOf(zone) ?? 0) + 1}`;
}

export function offered(env: Env, type: string, zone?: string): boolean {
  if (!env.config.instanceTypes[type]) return false;
  if (env.config.notOffered[env.region]?.includes(type)) return false;
  if (zone && env.config.notOfferedInZone[zone]?.includes(type)) return false;
  return true;
}

export function inRegion<T extends { region: string }>(env: Env, items: Record<string, T>): T[] {
  return Object.values(items).filter((x) => x.region === env.region);
}
