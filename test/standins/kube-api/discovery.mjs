// TEST STAND-IN support (not shipped): the discovery documents kubectl reads before any
// command (/api, /apis, /api/v1) and /version. Only the legacy (non-aggregated) form is served:
// kubectl 1.32 asks for aggregated discovery first and falls back when it gets plain JSON.
import { RESOURCES } from './objects.mjs';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersions(serverAddress) {
  return {
    kind: 'APIVersions', versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** No API groups besides the core one: nothing the stand-in clusters run needs them. */
export function apiGroupList() {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
}

export function coreResourceList() {
  const resources = [];
  for (const [name, r] of Object.entries(RESOURCES)) {
    const singular = r.kind.toLowerCase();
    resources.push({ name, singularName: singular, namespaced: r.namespaced, kind: r.kind, verbs: VERBS,
      ...(r.short.length ? { shortNames: r.short } : {}) });
    if (name === 'nodes' || name === 'pods' || name === 'namespaces') {
      resources.push({ name: `${name}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  resources.push({ name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  return { kind: 'APIResourceList', groupVersion: 'v1', resources };
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
