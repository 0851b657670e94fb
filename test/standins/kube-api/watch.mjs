// TEST STAND-IN support (not shipped): ?watch=true for list endpoints, so `kubectl wait
// --for=condition=Ready node/x` and `kubectl get -w` work. The stand-in polls its datastore once
// a second and streams ADDED/MODIFIED/DELETED events by comparing resourceVersions — slower
// than etcd watches but identical on the wire for clients.
import { toTable, wantsTable } from './tables.mjs';

const POLL_MS = 1000;

export async function serveWatch(req, res, rest, resource, ns, query) {
  const table = wantsTable(req.headers.accept);
  const since = Number(query.get('resourceVersion') || 0);
  const timeoutMs = Number(query.get('timeoutSeconds') || 1800) * 1000;
  const opts = { labelSelector: query.get('labelSelector'), fieldSelector: query.get('fieldSelector') };
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  const send = (type, obj) => {
    const object = table ? toTable(resource, [obj], obj.metadata.resourceVersion) : obj;
    res.write(JSON.stringify({ type, object }) + '\n');
  };
  let closed = false;
  req.on('close', () => { closed = true; });
  const deadline = Date.now() + timeoutMs;
  const known = new Map();
  let first = true;
  while (!closed && Date.now() < deadline) {
    let items;
    try {
      ({ items } = await rest.list(resource, ns, opts));
    } catch {
      break; // datastore gone: end the watch, the client re-lists
    }
    const seen = new Set();
    for (const o of items) {
      const key = `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      const rv = Number(o.metadata.resourceVersion);
      seen.add(key);
      const prev = known.get(key);
      if (first) {
        if (!since) send('ADDED', o);
        else if (rv > since) send('MODIFIED', o);
      } else if (!prev) send('ADDED', o);
      else if (prev.rv !== rv) send('MODIFIED', o);
      known.set(key, { rv, obj: o });
    }
    for (const [key, prev] of known) {
      if (!seen.has(key)) {
        if (!first) send('DELETED', prev.obj);
        known.delete(key);
      }
    }
    first = false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  res.end();
}
