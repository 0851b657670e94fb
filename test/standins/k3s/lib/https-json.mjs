// TEST STAND-IN support (not shipped): one small HTTPS JSON client used by every stand-in
// (etcd gRPC-gateway, API server, k3s supervisor). Built on node:https so no npm package is needed.
import https from 'node:https';

/**
 * Request `url` and resolve { status, headers, body, json }. tls: { ca, cert, key, insecure }.
 * Rejects only on transport errors (refused, TLS failure, timeout), never on HTTP status.
 */
export function request(url, { method = 'GET', body, headers = {}, tls = {}, timeoutMs = 5000, auth } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const h = { Accept: 'application/json', ...headers };
    if (data !== undefined) {
      h['Content-Type'] ??= 'application/json';
      h['Content-Length'] = Buffer.byteLength(data);
    }
    if (auth?.bearer) h.Authorization = `Bearer ${auth.bearer}`;
    if (auth?.basic) h.Authorization = `Basic ${Buffer.from(auth.basic).toString('base64')}`;
    const req = https.request(
      {
        host: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port || 443,
        path: u.pathname + u.search,
        method,
        headers: h,
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        rejectUnauthorized: !tls.insecure,
        // Hostname/IP verification against the serving cert's SANs is on, as in Go clients.
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, body: text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${u.host} timed out after ${timeoutMs}ms`)));
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

/** Sleep helper for retry loops. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Retry fn() until it resolves truthy or deadline passes; returns the value or throws the last error (at once if it has .fatal). */
export async function retryUntil(fn, { timeoutMs, intervalMs = 500, what = 'condition' }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      if (e.fatal) throw e;
      last = e;
    }
    if (Date.now() >= deadline) throw last ?? new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}
