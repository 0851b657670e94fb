/** Fake EC2 security groups and key pairs. */
import { createHash } from 'node:crypto';
import { ec2Error } from './errors.js';
import { getVpc } from './fake-ec2-network.js';
import {
  holdsDependencies,
  inRegion,
  matchesFilters,
  newId,
  paginate,
  tagsFromSpecs,
  toTags,
  type Env,
  type Handler,
  type KeyPair,
  type Rule,
  type Sg,
} from './model.js';

export function getSg(env: Env, id: string): Sg {
  const g = env.data.sgs[id];
  if (!g || g.region !== env.region)
    throw ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
  return g;
}

interface Perm {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: { CidrIp?: string; Description?: string }[];
  Ipv6Ranges?: { CidrIpv6?: string; Description?: string }[];
  UserIdGroupPairs?: { GroupId?: string; Description?: string }[];
}

function atomic(env: Env, perms: Perm[] | undefined, vpcId: string): Rule[] {
  const out: Rule[] = [];
  for (const p of perms ?? []) {
    const proto = String(p.IpProtocol ?? '-1');
    const from = proto === '-1' ? -1 : (p.FromPort ?? -1);
    const to = proto === '-1' ? -1 : (p.ToPort ?? -1);
    for (const r of p.IpRanges ?? [])
      out.push({ proto, from, to, cidr: r.CidrIp!, ...(r.Description ? { description: r.Description } : {}) });
    for (const r of p.Ipv6Ranges ?? [])
      out.push({ proto, from, to, cidr6: r.CidrIpv6!, ...(r.Description ? { description: r.Description } : {}) });
    for (const g of p.UserIdGroupPairs ?? []) {
      const ref = getSg(env, g.GroupId ?? '');
      if (ref.vpcId !== vpcId)
        throw ec2Error('InvalidGroup.NotFound', `You have specified two resources that belong to different networks.`);
      out.push({ proto, from, to, groupId: ref.id, ...(g.Description ? { description: g.Description } : {}) });
    }
  }
  return out;
}

const sameRule = (a: Rule, b: Rule) =>
  a.proto === b.proto &&
  a.from === b.from &&
  a.to === b.to &&
  a.cidr === b.cidr &&
  a.cidr6 === b.cidr6 &&
  a.groupId === b.groupId;

function permsOut(rules: Rule[]): Perm[] {
  const groups = new Map<string, Perm>();
  for (const r of rules) {
    const k = `${r.proto}:${r.from}:${r.to}`;
    let p = groups.get(k);
    if (!p) {
      p = {
        IpProtocol: r.proto,
        ...(r.proto === '-1' ? {} : { FromPort: r.from, ToPort: r.to }),
        IpRanges: [],
        Ipv6Ranges: [],
        UserIdGroupPairs: [],
      };
      groups.set(k, p);
    }
    const d = r.description ? { Description: r.description } : {};
    if (r.cidr) p.IpRanges!.push({ CidrIp: r.cidr, ...d });
    if (r.cidr6) p.Ipv6Ranges!.push({ CidrIpv6: r.cidr6, ...d });
    if (r.groupId) p.UserIdGroupPairs!.push({ GroupId: r.groupId, ...d });
  }
  return [...groups.values()];
}

const sgOut = (env: Env, g: Sg) => ({
  GroupId: g.id,
  GroupName: g.name,
  Description: g.description,
  VpcId: g.vpcId,
  OwnerId: env.config.account,
  IpPermissions: permsOut(g.ingress),
  IpPermissionsEgress: permsOut(g.egress),
  Tags: toTags(g.tags),
});

function fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.split(/\s+/)[1] ?? '', 'base64');
  return createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

const keyOut = (k: KeyPair, withPublic: boolean) => ({
  KeyPairId: k.id,
  KeyName: k.name,
  KeyFingerprint: k.fingerprint,
  KeyType: k.keyType,
  Tags: toTags(k.tags),
  CreateTime: new Date(k.createdAt),
  ...(withPublic ? { PublicKey: k.publicKey } : {}),
});

export const securityHandlers: Record<string, Handler> = {
  CreateSecurityGroup(env, i) {
    const v = getVpc(env, i.VpcId);
    const name = String(i.GroupName ?? '');
    if (!name || !i.Description) throw ec2Error('MissingParameter', 'GroupName and Description are required');
    if (inRegion(env, env.data.sgs).some((g) => g.vpcId === v.id && g.name === name)) {
      throw ec2Error('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${v.id}'`);
    }
    const g: Sg = {
      id: newId(env.data, 'sg'),
      region: env.region,
      vpcId: v.id,
      name,
      description: i.Description,
      isDefault: false,
      createdAt: env.now,
      ingress: [],
      egress: [{ proto: '-1', from: -1, to: -1, cidr: '0.0.0.0/0' }],
      tags: tagsFromSpecs(i.TagSpecifications, 'security-group'),
    };
    env.data.sgs[g.id] = g;
    return { GroupId: g.id, Tags: toTags(g.tags) };
  },
  AuthorizeSecurityGroupIngress(env, i) {
    const g = getSg(env, i.GroupId);
    const rules = atomic(env, i.IpPermissions, g.vpcId);
    for (let n = 0; n < rules.length; n++) {
      const r = rules[n]!;
      if (g.ingress.some((x) => sameRule(x, r)) || rules.slice(0, n).some((x) => sameRule(x, r))) {
        throw ec2Error(
          'InvalidPermission.Duplicate',
          `the specified rule "peer: ${r.cidr ?? r.cidr6 ?? r.groupId}, ${r.proto.toUpperCase()}, from port: ${r.from}, to port: ${r.to}, ALLOW" already exists`,
        );
      }
    }
    g.ingress.push(...rules);
    return {
      Return: true,
      SecurityGroupRules: rules.map((r) => ({
        SecurityGroupRuleId: newId(env.data, 'sgr'),
        GroupId: g.id,
        IpProtocol: r.proto,
        FromPort: r.from,
        ToPort: r.to,
      })),
    };
  },
  RevokeSecurityGroupIngress(env, i) {
    const g = getSg(env, i.GroupId);
    const rules = atomic(env, i.IpPermissions, g.vpcId);
    const before = g.ingress.length;
    g.ingress = g.ingress.filter((x) => !rules.some((r) => sameRule(x, r)));
    if (before === g.ingress.length && rules.length > 0) {
      throw ec2Error('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
    }
    return { Return: true };
  },
  DescribeSecurityGroups(env, i) {
    const all = i.GroupIds?.length ? (i.GroupIds as string[]).map((id) => getSg(env, id)) : inRegion(env, env.data.sgs);
    const list = all.filter((g) =>
      matchesFilters(
        {
          'group-id': g.id,
          'group-name': g.name,
          'vpc-id': g.vpcId,
          description: g.description,
          'owner-id': env.config.account,
        },
        g.tags,
        i.Filters,
      ),
    );
    const { page, next } = paginate(list, i.MaxResults, i.NextToken, env.config.pageSize);
    return { SecurityGroups: page.map((g) => sgOut(env, g)), ...(next ? { NextToken: next } : {}) };
  },
  DeleteSecurityGroup(env, i) {
    const g = getSg(env, i.GroupId);
    if (g.isDefault)
      throw ec2Error('CannotDelete', `the specified group: "${g.id}" name: "default" cannot be deleted by a user`);
    const usedBy = inRegion(env, env.data.instances).some((x) => x.sgIds.includes(g.id) && holdsDependencies(env, x));
    const referenced = inRegion(env, env.data.sgs).some(
      (x) => x.id !== g.id && [...x.ingress, ...x.egress].some((r) => r.groupId === g.id),
    );
    const eks = inRegion(env, env.data.eksClusters).some((c) => c.clusterSgId === g.id);
    if (usedBy || referenced || eks) throw ec2Error('DependencyViolation', `resource ${g.id} has a dependent object`);
    delete env.data.sgs[g.id];
    return { Return: true, GroupId: g.id };
  },
  ImportKeyPair(env, i) {
    const name = String(i.KeyName ?? '');
    const material = Buffer.from(i.PublicKeyMaterial ?? [])
      .toString('utf8')
      .trim();
    if (!/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+/.test(material)) {
      throw ec2Error('InvalidKey.Format', 'Key is not in valid OpenSSH public key format');
    }
    if (inRegion(env, env.data.keyPairs).some((k) => k.name === name))
      throw ec2Error('InvalidKeyPair.Duplicate', `The keypair already exists`);
    const k: KeyPair = {
      id: newId(env.data, 'key'),
      region: env.region,
      name,
      publicKey: material,
      fingerprint: fingerprint(material),
      keyType: material.startsWith('ssh-ed25519') ? 'ed25519' : 'rsa',
      tags: tagsFromSpecs(i.TagSpecifications, 'key-pair'),
      createdAt: env.now,
    };
    env.data.keyPairs[k.id] = k;
    return { KeyFingerprint: k.fingerprint, KeyName: k.name, KeyPairId: k.id, Tags: toTags(k.tags) };
  },
  DescribeKeyPairs(env, i) {
    const all = inRegion(env, env.data.keyPairs);
    for (const n of (i.KeyNames ?? []) as string[]) {
      if (!all.some((k) => k.name === n))
        throw ec2Error('InvalidKeyPair.NotFound', `The key pair '${n}' does not exist`);
    }
    for (const id of (i.KeyPairIds ?? []) as string[]) {
      if (!all.some((k) => k.id === id))
        throw ec2Error('InvalidKeyPair.NotFound', `The key pair '${id}' does not exist`);
    }
    const list = all
      .filter(
        (k) =>
          (!i.KeyNames?.length || i.KeyNames.includes(k.name)) &&
          (!i.KeyPairIds?.length || i.KeyPairIds.includes(k.id)),
      )
      .filter((k) =>
        matchesFilters(
          { 'key-name': k.name, 'key-pair-id': k.id, fingerprint: k.fingerprint, 'key-type': k.keyType },
          k.tags,
          i.Filters,
        ),
      );
    return { KeyPairs: list.map((k) => keyOut(k, Boolean(i.IncludePublicKey))) };
  },
  DeleteKeyPair(env, i) {
    const all = inRegion(env, env.data.keyPairs);
    const k = i.KeyPairId ? all.find((x) => x.id === i.KeyPairId) : all.find((x) => x.name === i.KeyName);
    if (!k && i.KeyPairId) throw ec2Error('InvalidKeyPair.NotFound', `The key pair '${i.KeyPairId}' does not exist`);
    if (k) delete env.data.keyPairs[k.id];
    return { Return: true, ...(k ? { KeyPairId: k.id } : {}) };
  },
};
