/**
 * `infra/firewall`: one security group per role, then the rules from firewall-rules.ts. Groups are
 * created first (rules reference each other), each looked up by tag before creating and recorded at
 * once; only missing rules are authorized, and a duplicate (a crash after Authorize) is fine; rules the
 * spec no longer asks for (the operator's old address) are revoked.
 */
import type { Role } from '../../api/types.js';
import { ConflictError, ProviderError } from '../../errors.js';
import { allPages, type AwsCtx } from './context.js';
import { hasCode, ignoreNotFound, isNotFound } from './errors.js';
import { firewallRules, rolesOf, ruleKey, type Rule } from '../common/firewall-rules.js';
import { recordedNetwork } from './network.js';
import { clusterFilter, securityGroupName, tagsFor, tagValue, TAG_RESOURCE } from './naming.js';
import { ensureRecorded, recorded } from '../common/record.js';
import type { IpPermission, SecurityGroup } from './sdk.js';

export const sgKey = (role: Role) => `sg/${role}`;

/** Every (protocol, ports, source) an existing group admits, each as the one-source permission that revokes it. */
function existingRules(sg: SecurityGroup): Map<string, IpPermission> {
  const out = new Map<string, IpPermission>();
  for (const p of sg.IpPermissions ?? []) {
    const proto = p.IpProtocol ?? '';
    const from = p.FromPort ?? -1;
    const to = p.ToPort ?? -1;
    const base = { IpProtocol: proto, FromPort: from, ToPort: to };
    for (const r of p.IpRanges ?? [])
      out.set(ruleKey(proto, from, to, r.CidrIp ?? ''), { ...base, IpRanges: [{ CidrIp: r.CidrIp }] });
    for (const r of p.Ipv6Ranges ?? [])
      out.set(ruleKey(proto, from, to, r.CidrIpv6 ?? ''), { ...base, Ipv6Ranges: [{ CidrIpv6: r.CidrIpv6 }] });
    for (const g of p.UserIdGroupPairs ?? [])
      out.set(ruleKey(proto, from, to, g.GroupId ?? ''), { ...base, UserIdGroupPairs: [{ GroupId: g.GroupId }] });
  }
  return out;
}

function toPermission(rule: Rule, groupIds: Map<Role, string>): IpPermission {
  const base = { IpProtocol: rule.protocol, FromPort: rule.from, ToPort: rule.to };
  if ('cidr' in rule.source) {
    return rule.source.cidr.includes(':')
      ? { ...base, Ipv6Ranges: [{ CidrIpv6: rule.source.cidr, Description: rule.description }] }
      : { ...base, IpRanges: [{ CidrIp: rule.source.cidr, Description: rule.description }] };
  }
  const id = groupIds.get(rule.source.group);
  if (!id) throw new ProviderError(`security group for ${rule.source.group} is missing`);
  return { ...base, UserIdGroupPairs: [{ GroupId: id, Description: rule.description }] };
}

function sourceOf(rule: Rule, groupIds: Map<Role, string>): string {
  return 'cidr' in rule.source ? rule.source.cidr : (groupIds.get(rule.source.group) ?? '');
}

async function ensureGroup(
  cloud: AwsCtx,
  role: Role,
  vpcId: string,
  tagged: Map<string, SecurityGroup>,
): Promise<SecurityGroup> {
  const { ec2 } = cloud.aws;
  const key = sgKey(role);
  let sg = tagged.get(key);
  const rec = recorded(cloud.ctx, key);
  if (!sg && rec) {
    try {
      sg = (await ec2.describeSecurityGroups({ GroupIds: [rec.id] })).SecurityGroups?.[0];
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  const name = securityGroupName(cloud.spec, role);
  if (!sg) {
    try {
      const out = await ec2.createSecurityGroup({
        GroupName: name,
        Description: `ksctl ${cloud.key} ${role}`,
        VpcId: vpcId,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: tagsFor(cloud.spec, key, role, name) }],
      });
      sg = { GroupId: out.GroupId, GroupName: name, VpcId: vpcId, IpPermissions: [] };
    } catch (e) {
      if (!hasCode(e, 'InvalidGroup.Duplicate')) throw e;
      const same = await ec2.describeSecurityGroups({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'group-name', Values: [name] },
        ],
      });
      sg = same.SecurityGroups?.[0];
      if (!sg || tagValue(sg.Tags, TAG_RESOURCE) !== key) {
        throw new ConflictError(
          `security group ${name} exists in ${vpcId} but was not created by ksctl for ${cloud.key}`,
        );
      }
    }
  }
  await ensureRecorded(cloud.ctx, key, { kind: 'aws:security-group', id: sg.GroupId!, name, role });
  return sg;
}

/** Authorizes what is missing; a Duplicate means another attempt got there first: go rule by rule. */
async function authorize(cloud: AwsCtx, groupId: string, perms: IpPermission[]): Promise<void> {
  if (perms.length === 0) return;
  try {
    await cloud.aws.ec2.authorizeSecurityGroupIngress({ GroupId: groupId, IpPermissions: perms });
  } catch (e) {
    if (!hasCode(e, 'InvalidPermission.Duplicate')) throw e;
    if (perms.length === 1) return;
    for (const p of perms) await authorize(cloud, groupId, [p]);
  }
}

export async function ensureFirewall(cloud: AwsCtx, operatorCidrs: string[]): Promise<void> {
  const { vpcId } = recordedNetwork(cloud);
  const roles = rolesOf(cloud.spec);
  const listed = await allPages(
    (NextToken) =>
      cloud.aws.ec2.describeSecurityGroups({
        Filters: [clusterFilter(cloud.spec), { Name: 'vpc-id', Values: [vpcId] }],
        ...(NextToken ? { NextToken } : {}),
      }),
    (o) => o.SecurityGroups,
  );
  const tagged = new Map<string, SecurityGroup>();
  for (const sg of listed) tagged.set(tagValue(sg.Tags, TAG_RESOURCE) ?? '', sg);
  const groups = new Map<Role, SecurityGroup>();
  for (const role of roles) groups.set(role, await ensureGroup(cloud, role, vpcId, tagged));
  const ids = new Map<Role, string>([...groups].map(([r, g]) => [r, g.GroupId!]));
  const rules = firewallRules(cloud.spec, operatorCidrs);
  for (const role of roles) {
    const sg = groups.get(role)!;
    const have = existingRules(sg);
    const want = new Set(rules[role].map((r) => ruleKey(r.protocol, r.from, r.to, sourceOf(r, ids))));
    const missing = rules[role].filter((r) => !have.has(ruleKey(r.protocol, r.from, r.to, sourceOf(r, ids))));
    await authorize(
      cloud,
      sg.GroupId!,
      missing.map((r) => toPermission(r, ids)),
    );
    // The group is ksctl's: a rule the spec no longer asks for (the operator's old address, a removed
    // allowCidr) is revoked, after the new ones are in, so access never gaps.
    const stale = [...have].filter(([k]) => !want.has(k)).map(([, p]) => p);
    if (stale.length > 0) {
      cloud.log.info(`revoking ${stale.length} stale rule(s) of the ${role} security group`);
      await revoke(cloud, sg.GroupId!, stale);
    }
  }
}

/** Revokes in one call; if one of them is already gone (the call is all-or-nothing), one by one. */
async function revoke(cloud: AwsCtx, groupId: string, perms: IpPermission[]): Promise<void> {
  try {
    await cloud.aws.ec2.revokeSecurityGroupIngress({ GroupId: groupId, IpPermissions: perms });
  } catch (e) {
    if (!hasCode(e, 'InvalidPermission.NotFound')) throw e;
    if (perms.length === 1) return;
    for (const p of perms)
      await ignoreNotFound(
        () => cloud.aws.ec2.revokeSecurityGroupIngress({ GroupId: groupId, IpPermissions: [p] }),
        'InvalidPermission.NotFound',
      );
  }
}

/** Security group ids by role, from state (for machines). */
export function recordedGroup(cloud: AwsCtx, role: Role): string {
  const rec = recorded(cloud.ctx, sgKey(role));
  if (!rec) throw new ProviderError(`no security group for ${role} in state: infra/firewall must run first`);
  return rec.id;
}
