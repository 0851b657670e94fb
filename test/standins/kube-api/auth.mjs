// TEST STAND-IN support (not shipped): who is calling the stand-in API server and what they may
// do. Honours the authenticators the real clusters use:
//  - client certificates signed by the client CA (CN = user, O = groups), e.g. k3s's
//    system:admin/system:masters and kubeadm's kubernetes-admin/kubeadm:cluster-admins;
//  - kubeadm bootstrap tokens "<id>.<secret>" (kube-system/bootstrap-token-<id> Secrets, honouring
//    their expiration) as system:bootstrap:<id> in system:bootstrappers;
//  - extra token authenticators supplied by the embedding stand-in (k3s's server token).
// Authorization is a fixed table equivalent to the RBAC those clusters install.

import { RESOURCES } from './objects.mjs';

const ADMIN_GROUPS = ['system:masters', 'kubeadm:cluster-admins'];

export const ANONYMOUS = { user: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Identity from a verified client cert; 'invalid' when a cert was presented but not verified. */
function certIdentity(socket) {
  const subj = socket.getPeerCertificate?.()?.subject;
  if (!subj) return null;
  if (!socket.authorized) return 'invalid';
  return { user: subj.CN ?? '', groups: [].concat(subj.O ?? []), via: 'cert' };
}

/**
 * A bootstrap token's Secret data when it is valid now (the token cleaner drops expired ones);
 * with `usage` ("authentication"/"signing") the token must also carry usage-bootstrap-<usage>.
 */
export async function validBootstrapToken(store, token, usage) {
  const m = /^([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(token ?? '');
  if (!m) return null;
  const kv = await store.get(`/registry/secrets/kube-system/bootstrap-token-${m[1]}`);
  if (!kv) return null;
  const d = Object.fromEntries(Object.entries(JSON.parse(kv.value).data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
  if (d['token-secret'] !== m[2]) return null;
  if (d.expiration && Date.parse(d.expiration) <= Date.now()) return null;
  if (usage && d[`usage-bootstrap-${usage}`] !== 'true') return null;
  return { id: m[1], secret: m[2], data: d };
}

/**
 * Resolve the caller: client cert, then bearer token (bootstrap tokens when a store is given,
 * then `tokenAuthenticators`), else anonymous. Returns null when credentials were presented but
 * are invalid (the server answers 401, as kube-apiserver does).
 */
export async function authenticate(req, { store, tokenAuthenticators = [] }) {
  const cert = certIdentity(req.socket);
  if (cert === 'invalid') return null; // x509: certificate signed by unknown authority -> 401
  if (cert) return cert;
  const h = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(h)?.[1]?.trim();
  const basic = /^Basic\s+(.+)$/i.exec(h)?.[1];
  if (bearer) {
    const bt = await validBootstrapToken(store, bearer, 'authentication');
    if (bt) {
      const extra = (bt.data['auth-extra-groups'] ?? '').split(',').filter(Boolean);
      return { user: `system:bootstrap:${bt.id}`, groups: ['system:bootstrappers', ...extra], via: 'bootstrap-token' };
    }
  }
  for (const a of tokenAuthenticators) {
    const id = await a({ bearer, basic: basic ? Buffer.from(basic, 'base64').toString() : undefined });
    if (id) return id;
  }
  return bearer || basic ? null : ANONYMOUS;
}

/** May `id` perform `verb` on resource/ns/name? Mirrors the default RBAC of kubeadm/k3s clusters. */
export function authorize(id, { verb, resource, ns, name }) {
  const g = id.groups ?? [];
  if (g.some((x) => ADMIN_GROUPS.includes(x))) return true;
  const read = ['get', 'list', 'watch'].includes(verb);
  if (g.includes('system:nodes')) {
    const self = id.user.replace(/^system:node:/, '');
    if (resource === 'nodes') return read || name === self || (verb === 'create');
    return read && ['pods', 'configmaps', 'namespaces', 'services'].includes(resource);
  }
  if (g.includes('system:bootstrappers')) {
    if (resource === 'nodes' && verb === 'get') return true; // kubeadm join checks for a Ready node of the same name
    if (ns === 'kube-system' && verb === 'get') {
      return (resource === 'secrets' && name === 'kubeadm-certs') ||
        (resource === 'configmaps' && ['kubeadm-config', 'kubelet-config', 'kube-proxy'].includes(name));
    }
  }
  if (resource === 'configmaps' && ns === 'kube-public' && name === 'cluster-info' && verb === 'get') return true;
  return false;
}

export function forbiddenMessage(id, { verb, resource, ns, name }) {
  const scope = ns ? `in the namespace "${ns}"` : 'at the cluster scope';
  const what = name ? `${resource} "${name}"` : resource;
  const group = RESOURCES[resource]?.group ?? '';
  return `${what} is forbidden: User "${id.user}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`;
}
