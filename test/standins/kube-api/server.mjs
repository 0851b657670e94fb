#!/usr/bin/env node
// TEST STAND-IN for kube-apiserver (not a real Kubernetes component). Real kubectl 1.32 talks to
// it: /version, /healthz, /livez, /readyz, discovery (/api, /apis, /api/v1, /apis/<g>/<v>),
// OpenAPI v3 (paths only, for kubectl's validation), core/v1 nodes, namespaces, pods, secrets,
// configmaps, services, serviceaccounts, events, apps/v1 daemonsets and rbac clusterroles/
// clusterrolebindings (get/list/watch/create/update/patch/delete, status subresource, pod
// eviction, ?fieldValidation) and server-side Table printing.
// Honours: HTTPS with the given serving cert, client-certificate authentication against the client
// CA, kubeadm bootstrap tokens, extra token authenticators (k3s), objects kept in the given Store
// (REAL etcd when the cluster has one, so several control planes share them), the bootstrap
// signer's JWS in kube-public/cluster-info, the node lifecycle controller, and one stand-in-only
// endpoint: POST /standin/v1/sign signs a kubelet's CSR (replacing the certificates.k8s.io
// CSR + approver + signer round trip).
// Embedded by the k3s stand-in (in-process, like k3s) and run as a process by the kubeadm
// stand-in through kube-apiserver.mjs (a subset of real kube-apiserver flags).
import https from 'node:https';
import { authenticate, authorize, forbiddenMessage, validBootstrapToken } from './auth.mjs';
import { apiGroup, apiVersions, apiGroupList, coreResourceList, groupResourceList, openapiV3, versionInfo } from './discovery.mjs';
import { Rest, HttpError, parsePath } from './rest.mjs';
import { serveWatch } from './watch.mjs';
import { startNodeLifecycle } from './controllers.mjs';
import { DEFAULT_NAMESPACES, RESOURCES, apiVersionOf, unknownFields } from './objects.mjs';
import { detachedJWS } from './jws.mjs';
import { csrSubject, signCSR } from './pki.mjs';
import { decodeK8sProtobuf } from './protobuf.mjs';

export function sendJSON(res, code, body) {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Request body as a JSON object: JSON, or the Kubernetes protobuf kubectl 1.32 sends for some kinds. */
async function readObject(req) {
  const raw = await readBody(req);
  let body;
  if (/protobuf/.test(req.headers['content-type'] ?? '')) {
    try {
      body = decodeK8sProtobuf(raw);
    } catch (e) {
      throw new HttpError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (${e.message})`);
    }
  } else {
    body = raw.length ? JSON.parse(raw.toString()) : {};
  }
  if (body.stringData) {
    // Secrets: the API server folds stringData into data.
    body.data = { ...body.data, ...Object.fromEntries(Object.entries(body.stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
    delete body.stringData;
  }
  return body;
}

/**
 * ?fieldValidation=Strict|Warn (kubectl sends Strict once OpenAPI v3 says the server supports it):
 * unknown fields (top level and metadata; see unknownFields) are a 400 BadRequest worded like
 * kube-apiserver's strict decoding error, or a Warning header. Ignore / absent: no check.
 */
function checkFields(res, url, resource, contentType, body) {
  const mode = (url.searchParams.get('fieldValidation') ?? '').toLowerCase();
  if (mode !== 'strict' && mode !== 'warn') return;
  const unknown = /json-patch/.test(contentType) ? [] : unknownFields(resource, body);
  if (!unknown.length) return;
  if (mode === 'warn') {
    res.setHeader('Warning', unknown.map((f) => `299 - "unknown field \\"${f}\\""`).join(', '));
    return;
  }
  const kind = RESOURCES[resource].kind;
  const version = apiVersionOf(resource);
  throw new HttpError(400, 'BadRequest', `${kind} in version "${version.split('/').pop()}" cannot be handled as a ${kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
}

const VERB_OF = { GET: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** Add the bootstrap signer's JWS for every valid signing token (real: a controller writes them). */
async function signClusterInfo(store, rest, cm) {
  const { items } = await rest.list('secrets', 'kube-system', { fieldSelector: 'type=bootstrap.kubernetes.io/token' });
  const data = { ...cm.data };
  for (const s of items) {
    const d = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    if (!(await validBootstrapToken(store, `${d['token-id']}.${d['token-secret']}`, 'signing'))) continue;
    data[`jws-kubeconfig-${d['token-id']}`] = detachedJWS(cm.data.kubeconfig ?? '', d['token-id'], d['token-secret']);
  }
  return { ...cm, data };
}

async function handleCore(req, res, url, ctx, id) {
  const p = parsePath(url.pathname);
  if (!p) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
  const { resource, ns, name, sub } = p;
  const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  const verb = req.method === 'GET' ? (watch ? 'watch' : name ? 'get' : 'list') : VERB_OF[req.method];
  if (sub === 'eviction') {
    if (!authorize(id, { verb: 'delete', resource, ns, name })) throw new HttpError(403, 'Forbidden', forbiddenMessage(id, { verb: 'create', resource: 'pods/eviction', ns, name }));
    await ctx.rest.delete(resource, ns, name);
    return sendJSON(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }
  if (!authorize(id, { verb, resource, ns, name })) {
    throw new HttpError(403, 'Forbidden', forbiddenMessage(id, { verb, resource, ns, name }), { name, kind: resource });
  }
  const accept = req.headers.accept;
  const q = { labelSelector: url.searchParams.get('labelSelector'), fieldSelector: url.searchParams.get('fieldSelector') };
  if (req.method === 'GET' && watch) return serveWatch(req, res, ctx.rest, resource, ns, url.searchParams);
  if (req.method === 'GET' && !name) return sendJSON(res, 200, Rest.listBody(resource, await ctx.rest.list(resource, ns, q), accept));
  if (req.method === 'GET') {
    let obj = await ctx.rest.get(resource, ns, name);
    if (resource === 'configmaps' && ns === 'kube-public' && name === 'cluster-info') obj = await signClusterInfo(ctx.store, ctx.rest, obj);
    return sendJSON(res, 200, Rest.objectBody(resource, obj, accept));
  }
  const body = await readObject(req);
  checkFields(res, url, resource, req.headers['content-type'] ?? '', body);
  if (req.method === 'POST') return sendJSON(res, 201, await ctx.rest.create(resource, ns, body));
  if (req.method === 'PUT') return sendJSON(res, 200, await ctx.rest.update(resource, ns, name, body, sub));
  if (req.method === 'PATCH') return sendJSON(res, 200, await ctx.rest.patch(resource, ns, name, req.headers['content-type'] ?? '', body, sub));
  if (req.method === 'DELETE') return sendJSON(res, 200, await ctx.rest.delete(resource, ns, name));
  throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
}

/**
 * Sign a kubelet CSR for bootstrap-token, node, admin or embedder-authenticated callers. Like the
 * CSR auto-approver, only kubelet client identities (CN=system:node:<name>, O=system:nodes) are
 * signed for callers who are not cluster admins.
 */
async function handleSign(req, res, ctx, id) {
  if (!ctx.signer) throw new HttpError(404, 'NotFound', 'no signer configured');
  if (id.user === 'system:anonymous') throw new HttpError(401, 'Unauthorized', 'Unauthorized');
  const { csr, usage = 'client', sans = [] } = JSON.parse((await readBody(req)).toString());
  const subj = csrSubject(csr);
  const kubeletIdentity = /^system:node:[a-z0-9.-]+$/.test(subj.cn) && subj.o.length === 1 && subj.o[0] === 'system:nodes';
  if (!kubeletIdentity && !authorize(id, { verb: 'create', resource: 'certificatesigningrequests' })) {
    throw new HttpError(403, 'Forbidden', `certificate signing request for "${subj.cn}" (${subj.o.join(',')}) is not a kubelet client request and was not approved`);
  }
  sendJSON(res, 201, { cert: signCSR(ctx.signer, csr, { usage, sans }), ca: ctx.signer.cert });
}

async function route(req, res, ctx) {
  const url = new URL(req.url, 'https://local');
  if (ctx.extraRoutes && (await ctx.extraRoutes(req, res, url))) return;
  if (url.pathname === '/version') return sendJSON(res, 200, versionInfo(ctx.gitVersion));
  if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
    try {
      await ctx.store.ping();
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    } catch (e) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`[-]etcd failed: ${e.message}\n${url.pathname.slice(1)} check failed`);
    }
    return;
  }
  const id = await authenticate(req, { store: ctx.store, tokenAuthenticators: ctx.tokenAuthenticators });
  if (!id) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
  if (url.pathname === '/standin/v1/sign' && req.method === 'POST') return handleSign(req, res, ctx, id);
  if (url.pathname.startsWith('/api/v1/') || /^\/apis\/[^/]+\/[^/]+\/./.test(url.pathname)) return handleCore(req, res, url, ctx, id);
  // Discovery is for authenticated users only (system:discovery), like the real RBAC.
  if (id.user === 'system:anonymous') {
    throw new HttpError(403, 'Forbidden', `forbidden: User "system:anonymous" cannot get path "${url.pathname}"`);
  }
  if (url.pathname === '/api' || url.pathname === '/api/') return sendJSON(res, 200, apiVersions(`${ctx.advertiseAddress}:${ctx.port}`));
  if (url.pathname === '/apis' || url.pathname === '/apis/') return sendJSON(res, 200, apiGroupList());
  if (url.pathname === '/api/v1') return sendJSON(res, 200, coreResourceList());
  const gv = /^\/apis\/([^/]+)(?:\/([^/]+))?\/?$/.exec(url.pathname);
  const groupDoc = gv && (gv[2] ? groupResourceList(gv[1], gv[2]) : apiGroup(gv[1]));
  if (groupDoc) return sendJSON(res, 200, groupDoc);
  ctx.openapi ??= openapiV3(ctx.gitVersion);
  if (url.pathname === '/openapi/v3' || url.pathname === '/openapi/v3/') return sendJSON(res, 200, ctx.openapi.index);
  if (ctx.openapi.docs.has(url.pathname)) return sendJSON(res, 200, ctx.openapi.docs.get(url.pathname));
  throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
}

/**
 * Start the API server. opts: { bindAddress, port, advertiseAddress, cert, key, clientCA,
 * signer?: {cert,key}, store, gitVersion, tokenAuthenticators?, extraRoutes? }.
 * Resolves { server, rest, close() } once listening.
 */
export async function startApiServer(opts) {
  const rest = new Rest(opts.store);
  const ctx = { ...opts, rest, tokenAuthenticators: opts.tokenAuthenticators ?? [] };
  for (const ns of DEFAULT_NAMESPACES) {
    await rest.create('namespaces', undefined, { metadata: { name: ns }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } })
      .catch((e) => { if (e.code !== 409) throw e; });
  }
  const server = https.createServer({ cert: opts.cert, key: opts.key, ca: opts.clientCA, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      route(req, res, ctx).catch((e) => {
        if (res.headersSent) return res.end();
        if (e instanceof HttpError) return sendJSON(res, e.code, e.toStatus());
        const err = new HttpError(e instanceof SyntaxError ? 400 : 500, e instanceof SyntaxError ? 'BadRequest' : 'InternalError', e.message);
        sendJSON(res, err.code, err.toStatus());
      });
    });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bindAddress ?? '0.0.0.0', resolve);
  });
  const stopLifecycle = startNodeLifecycle(rest);
  return {
    server, rest,
    close: () => { stopLifecycle(); server.closeAllConnections?.(); return new Promise((r) => server.close(() => r())); },
  };
}
