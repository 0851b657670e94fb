// TEST STAND-IN support (not shipped): the Kubernetes object rules the stand-in API server
// applies — which resources exist and where they live in the datastore (the same
// /registry/... layout kube-apiserver uses), patch semantics, label/field selectors, and the
// Node objects a kubelet would register.
import crypto from 'node:crypto';
import os from 'node:os';

/**
 * Served resources: datastore prefix, kind, scope, short names, API group ('' = core) and version,
 * and the top-level fields the kind has besides apiVersion/kind/metadata (for fieldValidation).
 * RBAC objects are stored and served but not enforced (auth.mjs has a fixed rule table); no
 * workload controller acts on DaemonSets (their status stays as written).
 */
export const RESOURCES = {
  nodes: { kind: 'Node', prefix: '/registry/minions/', namespaced: false, short: ['no'], fields: ['spec', 'status'] },
  namespaces: { kind: 'Namespace', prefix: '/registry/namespaces/', namespaced: false, short: ['ns'], fields: ['spec', 'status'] },
  pods: { kind: 'Pod', prefix: '/registry/pods/', namespaced: true, short: ['po'], fields: ['spec', 'status'] },
  secrets: { kind: 'Secret', prefix: '/registry/secrets/', namespaced: true, short: [], fields: ['data', 'stringData', 'type', 'immutable'] },
  configmaps: { kind: 'ConfigMap', prefix: '/registry/configmaps/', namespaced: true, short: ['cm'], fields: ['data', 'binaryData', 'immutable'] },
  services: { kind: 'Service', prefix: '/registry/services/specs/', namespaced: true, short: ['svc'], fields: ['spec', 'status'] },
  serviceaccounts: { kind: 'ServiceAccount', prefix: '/registry/serviceaccounts/', namespaced: true, short: ['sa'],
    fields: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'] },
  events: { kind: 'Event', prefix: '/registry/events/', namespaced: true, short: ['ev'],
    fields: ['involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime', 'series',
      'action', 'related', 'reportingComponent', 'reportingInstance'] },
  daemonsets: { kind: 'DaemonSet', prefix: '/registry/daemonsets/', namespaced: true, short: ['ds'], group: 'apps', version: 'v1',
    fields: ['spec', 'status'], generation: true },
  clusterroles: { kind: 'ClusterRole', prefix: '/registry/clusterroles/', namespaced: false, short: [], group: 'rbac.authorization.k8s.io',
    version: 'v1', fields: ['rules', 'aggregationRule'] },
  clusterrolebindings: { kind: 'ClusterRoleBinding', prefix: '/registry/clusterrolebindings/', namespaced: false, short: [],
    group: 'rbac.authorization.k8s.io', version: 'v1', fields: ['subjects', 'roleRef'] },
};

/** "v1" for the core group, "apps/v1" for the others. */
export function apiVersionOf(resource) {
  const r = RESOURCES[resource];
  return r.group ? `${r.group}/${r.version}` : 'v1';
}

/** The served group versions: [{ group, version, resources: [name...] }], core ('') first. */
export function groupVersions() {
  const out = [];
  for (const [name, r] of Object.entries(RESOURCES)) {
    const group = r.group ?? ''; const version = r.version ?? 'v1';
    let gv = out.find((g) => g.group === group && g.version === version);
    if (!gv) out.push((gv = { group, version, resources: [] }));
    gv.resources.push(name);
  }
  return out;
}

const OBJECT_META = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields'];

/**
 * Fields of `obj` (a whole object or a merge patch) that `resource` does not have, as
 * kube-apiserver's strict decoding names them ("spec.x" style paths). Only the top level and
 * metadata are checked: the stand-in has no full schemas.
 */
export function unknownFields(resource, obj) {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return [];
  const known = new Set(['apiVersion', 'kind', 'metadata', ...RESOURCES[resource].fields]);
  const out = Object.keys(obj).filter((k) => !k.startsWith('$') && !known.has(k));
  const meta = obj.metadata;
  if (meta && typeof meta === 'object') out.push(...Object.keys(meta).filter((k) => !k.startsWith('$') && !OBJECT_META.includes(k)).map((k) => `metadata.${k}`));
  return out;
}

export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function storeKey(resource, ns, name) {
  const r = RESOURCES[resource];
  return r.prefix + (r.namespaced ? `${ns}/` : '') + (name ?? '');
}

/** RFC 7386 JSON merge patch; strategic merge patches are applied the same way (lists replaced). */
export function mergePatch(target, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue; // strategic-merge directives ($patch, $retainKeys): not needed here
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902 JSON patch (add/replace/remove/test) on plain paths. */
export function jsonPatch(target, ops) {
  const doc = structuredClone(target);
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    let parent = doc;
    for (const p of parts) parent = parent[p] ??= {};
    if (op.op === 'remove') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
    else if (op.op === 'add' && Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, op.value);
    else if (op.op === 'add' || op.op === 'replace') parent[last] = op.value;
    else if (op.op === 'test' && JSON.stringify(parent[last]) !== JSON.stringify(op.value)) throw new Error('test failed');
  }
  return doc;
}

/** Label selector matcher for "a=b,c!=d,e,!f,g in (x,y)". */
export function labelMatcher(sel) {
  if (!sel) return () => true;
  const reqs = sel.match(/[^,(]+(\([^)]*\))?/g).map((s) => s.trim()).filter(Boolean);
  const tests = reqs.map((r) => {
    let m;
    if ((m = r.match(/^(\S+)\s+(in|notin)\s+\((.*)\)$/))) {
      const vals = m[3].split(',').map((v) => v.trim());
      return (l) => (m[2] === 'in') === vals.includes(l[m[1]]);
    }
    if ((m = r.match(/^([^!=]+)!=(.*)$/))) return (l) => l[m[1].trim()] !== m[2].trim();
    if ((m = r.match(/^([^=]+)==?(.*)$/))) return (l) => l[m[1].trim()] === m[2].trim();
    if (r.startsWith('!')) return (l) => !(r.slice(1) in l);
    return (l) => r in l;
  });
  return (obj) => tests.every((t) => t(obj.metadata?.labels ?? {}));
}

/** Field selector matcher: metadata.name, metadata.namespace, spec.nodeName, status.phase, type. */
export function fieldMatcher(sel) {
  if (!sel) return () => true;
  const tests = sel.split(',').map((r) => {
    const m = r.match(/^([^!=]+)(!=|==|=)(.*)$/);
    if (!m) return () => true;
    const get = (o) => m[1].split('.').reduce((v, k) => v?.[k], o) ?? '';
    return m[2] === '!=' ? (o) => get(o) !== m[3] : (o) => get(o) === m[3];
  });
  return (obj) => tests.every((t) => t(obj));
}

export const nowIso = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** Node conditions a healthy kubelet reports (the same five types and reasons). */
export function healthyConditions(at = nowIso(), since = at) {
  const c = (type, status, reason, message) => ({ type, status, lastHeartbeatTime: at, lastTransitionTime: since, reason, message });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/**
 * The Node object a kubelet registers. roles: e.g. ['control-plane', 'master', 'etcd'] become
 * node-role.kubernetes.io/<role> labels (value "true" for k3s, "" for kubeadm: roleValue).
 */
export function newNode({ name, ip, version, roles = [], roleValue = '', labels = {}, taints = [], runtime, providerID, instanceType }) {
  const roleLabels = Object.fromEntries(roles.map((r) => [`node-role.kubernetes.io/${r}`, roleValue]));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux',
        ...(instanceType ? { 'beta.kubernetes.io/instance-type': instanceType, 'node.kubernetes.io/instance-type': instanceType } : {}),
        ...roleLabels, ...labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { ...(providerID ? { providerID } : {}), ...(taints.length ? { taints } : {}) },
    status: {
      addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }],
      allocatable: { cpu: '2', 'ephemeral-storage': '19586931083', memory: '3892452Ki', pods: '110' },
      capacity: { cpu: '2', 'ephemeral-storage': '20134592Ki', memory: '3994852Ki', pods: '110' },
      conditions: healthyConditions(),
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64', bootID: crypto.randomUUID(), containerRuntimeVersion: runtime,
        kernelVersion: os.release(), kubeProxyVersion: version, kubeletVersion: version,
        machineID: crypto.randomBytes(16).toString('hex'), operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)', systemUUID: crypto.randomUUID(),
      },
    },
  };
}
