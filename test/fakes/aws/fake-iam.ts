/** Fake IAM roles (global): create, get, attach/detach managed policies, delete (conflict while attached). */
import { iamError } from './errors.js';
import { newId, paginate, toTags, type Env, type Handler, type Role } from './model.js';

const KNOWN_POLICIES = new Set(
  [
    'AmazonEKSClusterPolicy',
    'AmazonEKSWorkerNodePolicy',
    'AmazonEKS_CNI_Policy',
    'AmazonEC2ContainerRegistryReadOnly',
    'AmazonSSMManagedInstanceCore',
  ].map((p) => `arn:aws:iam::aws:policy/${p}`),
);

function getRole(env: Env, name: string): Role {
  const r = env.data.roles[name];
  if (!r) throw iamError('NoSuchEntity', `The role with name ${name} cannot be found.`);
  return r;
}

const roleOut = (r: Role) => ({
  RoleName: r.name,
  Arn: r.arn,
  RoleId: r.roleId,
  Path: '/',
  CreateDate: new Date(r.createdAt),
  AssumeRolePolicyDocument: encodeURIComponent(r.trust),
  Description: r.description,
  Tags: toTags(r.tags),
});

export const iamHandlers: Record<string, Handler> = {
  CreateRole(env, i) {
    const name = String(i.RoleName ?? '');
    if (!/^[\w+=,.@-]{1,64}$/.test(name)) throw iamError('ValidationError', `Invalid role name ${name}`);
    if (env.data.roles[name]) throw iamError('EntityAlreadyExists', `Role with name ${name} already exists.`);
    try {
      JSON.parse(i.AssumeRolePolicyDocument);
    } catch {
      throw iamError('MalformedPolicyDocument', 'This policy contains invalid Json');
    }
    const tags: Record<string, string> = {};
    for (const t of i.Tags ?? []) tags[t.Key] = t.Value;
    const r: Role = {
      name,
      arn: `arn:aws:iam::${env.config.account}:role/${name}`,
      roleId: newId(env.data, 'AROA', 17).toUpperCase().replace('-', ''),
      trust: i.AssumeRolePolicyDocument,
      ...(i.Description ? { description: i.Description } : {}),
      tags,
      attached: [],
      createdAt: env.now,
    };
    env.data.roles[name] = r;
    return { Role: roleOut(r) };
  },
  GetRole(env, i) {
    return { Role: roleOut(getRole(env, i.RoleName)) };
  },
  AttachRolePolicy(env, i) {
    const r = getRole(env, i.RoleName);
    if (!KNOWN_POLICIES.has(i.PolicyArn))
      throw iamError('NoSuchEntity', `Policy ${i.PolicyArn} does not exist or is not attachable.`);
    if (!r.attached.includes(i.PolicyArn)) r.attached.push(i.PolicyArn);
    return {};
  },
  ListAttachedRolePolicies(env, i) {
    const r = getRole(env, i.RoleName);
    const { page, next } = paginate(r.attached, i.MaxItems, i.Marker, env.config.pageSize);
    return {
      AttachedPolicies: page.map((a) => ({ PolicyArn: a, PolicyName: a.split('/').pop() })),
      IsTruncated: Boolean(next),
      ...(next ? { Marker: next } : {}),
    };
  },
  DetachRolePolicy(env, i) {
    const r = getRole(env, i.RoleName);
    if (!r.attached.includes(i.PolicyArn)) throw iamError('NoSuchEntity', `Policy ${i.PolicyArn} was not found.`);
    r.attached = r.attached.filter((a) => a !== i.PolicyArn);
    return {};
  },
  DeleteRole(env, i) {
    const r = getRole(env, i.RoleName);
    if (r.attached.length > 0)
      throw iamError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    delete env.data.roles[r.name];
    return {};
  },
};
