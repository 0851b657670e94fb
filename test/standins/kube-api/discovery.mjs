// TEST STAND-IN support (not shipped): the discovery documents kubectl reads before any
// command (/api, /apis, /api/v1, /apis/<group>/<version>), /version, and OpenAPI v3 (/openapi/v3
// and one document per group version). Only the legacy (non-aggregated) discovery form is served:
// kubectl 1.32 asks for aggregated discovery first and falls back when it gets plain JSON.
// The OpenAPI v3 documents hold just what clients read from them: each resource's paths with their
// operations, `x-kubernetes-group-version-kind`, and the query parameters (fieldValidation,
// fieldManager) — enough for kubectl's validation to use server-side field validation
// (`kubectl apply`/`create` without --validate=false). They carry no schemas (components); kubectl
// then computes strategic merge patches from its built-in types. /openapi/v2 is not served.
import crypto from 'node:crypto';
import { RESOURCES, groupVersions } from './objects.mjs';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersions(serverAddress) {
  return {
    kind: 'APIVersions', versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** The API groups besides the core one (see RESOURCES). */
export function apiGroupList() {
  const groups = groupVersions().filter((g) => g.group).map((g) => {
    const gv = { groupVersion: `${g.group}/${g.version}`, version: g.version };
    return { name: g.group, versions: [gv], preferredVersion: gv };
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

function resourceEntries(names) {
  const resources = [];
  for (const name of names) {
    const r = RESOURCES[name];
    const singular = r.kind.toLowerCase();
    resources.push({ name, singularName: singular, namespaced: r.namespaced, kind: r.kind, verbs: VERBS,
      ...(r.short.length ? { shortNames: r.short } : {}) });
    if (['nodes', 'pods', 'namespaces', 'daemonsets'].includes(name)) {
      resources.push({ name: `${name}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return resources;
}

export function coreResourceList() {
  const resources = resourceEntries(groupVersions().find((g) => g.group === '').resources);
  resources.push({ name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  return { kind: 'APIResourceList', groupVersion: 'v1', resources };
}

/** /apis/<group>, or null when that group is not served. */
export function apiGroup(group) {
  return apiGroupList().groups.find((g) => g.name === group) ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroupList().groups.find((g) => g.name === group) } : null;
}

/** /apis/<group>/<version>, or null when that group version is not served. */
export function groupResourceList(group, version) {
  const gv = groupVersions().find((g) => g.group && g.group === group && g.version === version);
  return gv ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources: resourceEntries(gv.resources) } : null;
}

const gvPath = (g) => (g.group ? `apis/${g.group}/${g.version}` : `api/${g.version}`);
const QUERY = (name, description) => ({ name, in: 'query', description, schema: { type: 'string', uniqueItems: true } });
const PATCH_BODY = { required: true, content: Object.fromEntries(['application/json-patch+json', 'application/merge-patch+json',
  'application/strategic-merge-patch+json'].map((t) => [t, { schema: { type: 'object' } }])) };

/** One group version's OpenAPI v3 document (paths only). */
function openapiDoc(g, gitVersion) {
  const paths = {};
  for (const name of g.resources) {
    const r = RESOURCES[name];
    const gvk = { group: g.group, version: g.version, kind: r.kind };
    const base = `/${gvPath(g)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${name}`;
    const op = (action, extra = {}) => ({ operationId: `${action}${r.kind}`, 'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk, responses: { 200: { description: 'OK' } }, ...extra });
    // No dryRun: the stand-in does not implement it, so kubectl --dry-run=server refuses as it should.
    const writeParams = [QUERY('fieldManager', 'Name of the actor making the change.'),
      QUERY('fieldValidation', 'Ignore, Warn or Strict: what to do with unknown fields (top level and metadata are checked).')];
    paths[base] = { get: op('list'), post: op('post', { parameters: writeParams, requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } } }) };
    paths[`${base}/{name}`] = { get: op('get'), put: op('put', { parameters: writeParams }), delete: op('delete'),
      patch: op('patch', { parameters: [...writeParams, QUERY('force', 'Force is for apply requests.')], requestBody: PATCH_BODY }) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes (kube-api TEST STAND-IN)', version: gitVersion }, paths };
}

/** /openapi/v3 (index with hashed URLs) and /openapi/v3/<gv path>: { index, docs: Map(path -> doc) }. */
export function openapiV3(gitVersion) {
  const docs = new Map();
  const paths = {};
  for (const g of groupVersions()) {
    const doc = openapiDoc(g, gitVersion);
    const hash = crypto.createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 128).toUpperCase();
    docs.set(`/openapi/v3/${gvPath(g)}`, doc);
    paths[gvPath(g)] = { serverRelativeURL: `/openapi/v3/${gvPath(g)}?hash=${hash}` };
  }
  return { index: { paths }, docs };
}

/** /version: gitVersion like "v1.31.7+k3s1"; major/minor derived from it. */
export function versionInfo(gitVersion) {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion) ?? [];
  return {
    major: m[1] ?? '1', minor: m[2] ?? '0', gitVersion,
    gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.23.6', compiler: 'gc', platform: 'linux/amd64',
  };
}
