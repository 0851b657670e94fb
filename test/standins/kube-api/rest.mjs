// TEST STAND-IN support (not shipped): the REST semantics kubectl and the stand-in kubelets rely
// on — list/get (as JSON or Table), create, update, merge/strategic/JSON patch, delete, the
// status subresource and pod eviction — for core/v1 and the few group kinds in objects.mjs, over a
// Store (see store.mjs). Objects are stored as JSON under the /registry/... keys; resourceVersion
// is the datastore revision.
import crypto from 'node:crypto';
import { RESOURCES, apiVersionOf, storeKey, mergePatch, jsonPatch, labelMatcher, fieldMatcher, nowIso } from './objects.mjs';
import { toTable, wantsTable } from './tables.mjs';
import { validBootstrapToken } from './auth.mjs';

export class HttpError extends Error {
  constructor(code, reason, message, details) {
    super(message);
    Object.assign(this, { code, reason, details });
  }

  toStatus() {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message,
      reason: this.reason, ...(this.details ? { details: this.details } : {}), code: this.code };
  }
}

export const notFound = (resource, name) =>
  new HttpError(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });

/**
 * Parse /api/v1/... and /apis/<group>/<version>/... into { resource, ns, name, sub } or null (also
 * when the resource is not served in that group version).
 */
export function parsePath(pathname) {
  const parts = pathname.replace(/\/+$/, '').split('/').map(decodeURIComponent);
  let group; let version; let p;
  if (parts[1] === 'api' && parts[2] === 'v1') [group, version, p] = ['', 'v1', parts.slice(3)];
  else if (parts[1] === 'apis' && parts.length > 4) [group, version, p] = [parts[2], parts[3], parts.slice(4)];
  else return null;
  const served = (name) => Object.hasOwn(RESOURCES, name ?? '') && (RESOURCES[name].group ?? '') === group && (RESOURCES[name].version ?? 'v1') === version;
  if (p[0] === 'namespaces' && p.length >= 3 && served(p[2]) && RESOURCES[p[2]].namespaced) {
    return { resource: p[2], ns: p[1], name: p[3], sub: p[4] };
  }
  if (!served(p[0]) || (RESOURCES[p[0]].namespaced && p.length > 1)) return null;
  return { resource: p[0], ns: undefined, name: p[1], sub: p[2] };
}

function withMeta(resource, kv) {
  const obj = JSON.parse(kv.value);
  obj.apiVersion = apiVersionOf(resource);
  obj.kind = RESOURCES[resource].kind;
  obj.metadata.resourceVersion = String(kv.rev);
  return obj;
}

/** metadata.generation: 1 at creation, +1 whenever the spec changes (kinds that track it). */
function nextGeneration(resource, cur, next) {
  if (!RESOURCES[resource].generation) return undefined;
  if (!cur) return 1;
  const g = Number(cur.metadata.generation ?? 1);
  return JSON.stringify(cur.spec ?? null) === JSON.stringify(next.spec ?? null) ? g : g + 1;
}

export class Rest {
  constructor(store) {
    this.store = store;
  }

  /** Objects that a real cluster's controllers would already have removed (token cleaner, GC). */
  async isGarbage(resource, obj) {
    if (resource !== 'secrets') return false;
    if (obj.type === 'bootstrap.kubernetes.io/token') {
      const exp = obj.data?.expiration && Buffer.from(obj.data.expiration, 'base64').toString();
      return Boolean(exp && Date.parse(exp) <= Date.now());
    }
    for (const ref of obj.metadata.ownerReferences ?? []) {
      if (ref.kind !== 'Secret' || !ref.name.startsWith('bootstrap-token-')) continue;
      const owner = await this.store.get(storeKey('secrets', obj.metadata.namespace, ref.name));
      const id = ref.name.slice('bootstrap-token-'.length);
      const secret = owner && Buffer.from(JSON.parse(owner.value).data?.['token-secret'] ?? '', 'base64').toString();
      if (!owner || !(await validBootstrapToken(this.store, `${id}.${secret}`))) return true;
    }
    return false;
  }

  async read(resource, ns, name) {
    const key = storeKey(resource, ns, name);
    const kv = await this.store.get(key);
    if (!kv) return null;
    const obj = withMeta(resource, kv);
    if (await this.isGarbage(resource, obj)) {
      await this.store.delete(key);
      return null;
    }
    return obj;
  }

  async get(resource, ns, name) {
    const obj = await this.read(resource, ns, name);
    if (!obj) throw notFound(resource, name);
    return obj;
  }

  /** The object as just written (a write answers with it even when it is now garbage, e.g. an expired token). */
  async written(resource, ns, name) {
    const kv = await this.store.get(storeKey(resource, ns, name));
    if (!kv) throw notFound(resource, name);
    return withMeta(resource, kv);
  }

  async list(resource, ns, { labelSelector, fieldSelector } = {}) {
    const prefix = ns || !RESOURCES[resource].namespaced ? storeKey(resource, ns, '') : RESOURCES[resource].prefix;
    const kvs = await this.store.list(prefix);
    const lm = labelMatcher(labelSelector);
    const fm = fieldMatcher(fieldSelector);
    const items = [];
    for (const kv of kvs) {
      const obj = withMeta(resource, kv);
      if (await this.isGarbage(resource, obj)) continue;
      if (lm(obj) && fm(obj)) items.push(obj);
    }
    return { items, resourceVersion: await this.store.rev() };
  }

  async create(resource, ns, body) {
    const obj = structuredClone(body);
    obj.metadata ??= {};
    if (!obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = obj.metadata.generateName + crypto.randomBytes(3).toString('hex').slice(0, 5);
    }
    const name = obj.metadata.name;
    if (!name) throw new HttpError(422, 'Invalid', `${RESOURCES[resource].kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
    if (RESOURCES[resource].namespaced) obj.metadata.namespace = ns;
    if (resource === 'secrets' && !obj.type) obj.type = 'Opaque'; // API defaulting
    if (resource === 'namespaces') obj.status = { phase: 'Active' };
    Object.assign(obj.metadata, { uid: crypto.randomUUID(), creationTimestamp: nowIso() });
    delete obj.metadata.resourceVersion;
    const generation = nextGeneration(resource, null, obj);
    if (generation) obj.metadata.generation = generation;
    const key = storeKey(resource, ns, name);
    const existing = await this.read(resource, ns, name); // also reaps garbage so the name is free
    if (existing || !(await this.store.create(key, JSON.stringify(obj)))) {
      throw new HttpError(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource });
    }
    return this.written(resource, ns, name);
  }

  /** Replace (PUT). A stale metadata.resourceVersion is a 409 Conflict, like the real server. */
  async update(resource, ns, name, body, sub) {
    const cur = await this.get(resource, ns, name);
    const next = sub === 'status' ? { ...cur, status: body.status } : structuredClone(body);
    next.metadata = { ...cur.metadata, ...(sub === 'status' ? {} : body.metadata), uid: cur.metadata.uid,
      creationTimestamp: cur.metadata.creationTimestamp };
    const want = body.metadata?.resourceVersion ? Number(body.metadata.resourceVersion) : Number(cur.metadata.resourceVersion);
    delete next.metadata.resourceVersion;
    const generation = nextGeneration(resource, cur, next);
    if (generation) next.metadata.generation = generation;
    if (!(await this.store.putIfRev(storeKey(resource, ns, name), JSON.stringify(next), want))) {
      throw new HttpError(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    return this.written(resource, ns, name);
  }

  /** PATCH with retry on concurrent writes (the server retries patches internally too). */
  async patch(resource, ns, name, contentType, patch, sub) {
    for (let attempt = 0; attempt < 10; attempt++) {
      const cur = await this.get(resource, ns, name);
      let next;
      if (/json-patch/.test(contentType)) next = jsonPatch(cur, patch);
      else if (/merge-patch/.test(contentType)) next = mergePatch(cur, patch);
      else throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`);
      if (sub === 'status') next = { ...cur, status: next.status };
      next.metadata = { ...next.metadata, uid: cur.metadata.uid, name, creationTimestamp: cur.metadata.creationTimestamp };
      delete next.metadata.resourceVersion;
      const generation = nextGeneration(resource, cur, next);
      if (generation) next.metadata.generation = generation;
      if (await this.store.putIfRev(storeKey(resource, ns, name), JSON.stringify(next), Number(cur.metadata.resourceVersion))) {
        return this.written(resource, ns, name);
      }
    }
    throw new HttpError(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": too many concurrent writes`);
  }

  async delete(resource, ns, name) {
    const cur = await this.get(resource, ns, name);
    await this.store.delete(storeKey(resource, ns, name));
    if (resource === 'nodes') {
      // Garbage collection of what the Node owns (the mirror Pods of its static Pods).
      for (const p of (await this.list('pods', undefined, { fieldSelector: `spec.nodeName=${name}` })).items) {
        if (p.metadata.ownerReferences?.some((r) => r.kind === 'Node' && r.uid === cur.metadata.uid)) {
          await this.store.delete(storeKey('pods', p.metadata.namespace, p.metadata.name));
        }
      }
    }
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success',
      details: { name, kind: resource, uid: cur.metadata.uid } };
  }

  /** Render a list result as kubectl asked: Table or <Kind>List. */
  static listBody(resource, { items, resourceVersion }, accept) {
    if (wantsTable(accept)) return toTable(resource, items, resourceVersion);
    return { kind: `${RESOURCES[resource].kind}List`, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: String(resourceVersion) }, items };
  }

  static objectBody(resource, obj, accept) {
    return wantsTable(accept) ? toTable(resource, [obj], obj.metadata.resourceVersion) : obj;
  }
}
