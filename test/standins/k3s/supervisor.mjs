// TEST STAND-IN support (not shipped): the k3s supervisor on :6443 (pkg/server/handlers/router.go).
// Like k3s it shares the port with the Kubernetes API: its own paths are answered here, everything
// else goes to the REAL kube-apiserver on 127.0.0.1:6444. Supervisor paths:
//   GET /cacerts, /ping                          anonymous (the K10 token pins the /cacerts hash)
//   GET /v1-k3s/server-bootstrap, /db/info       basic auth server:<password>
//   GET /v1-k3s/config, /apiservers, /readyz,
//       /client-ca.crt, /server-ca.crt,
//       /client-kubelet.crt, /serving-kubelet.crt basic auth node:<password> (or server:), node name and
//                                                IPs in the k3s-Node-Name / k3s-Node-IP headers
// A wrong password answers 401. The proxy (k3s runs the apiserver in-process and hands it the
// request; a separate process needs a proxy) authenticates the caller's client certificate against
// the client CA and passes the identity with the request-header scheme (X-Remote-User/-Group, sent
// with the system:auth-proxy certificate the apiserver trusts for it); bearer tokens pass through as
// they are. Upgrades (kubectl exec/attach/port-forward) are piped.
import { constants } from 'node:crypto';
import https from 'node:https';
import tls from 'node:tls';
import { issue } from './lib/pki.mjs';
import { sameSecret } from './token.mjs';

function basicCreds(req) {
  const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1], 'base64').toString();
  const i = text.indexOf(':');
  return { user: text.slice(0, i), password: text.slice(i + 1) };
}

const send = (res, status, body, type = 'text/plain') => res.writeHead(status, { 'Content-Type': type }).end(body);

/** The caller's identity from a verified client certificate, as request headers for the apiserver. */
function identityHeaders(req) {
  const h = { ...req.headers };
  for (const k of Object.keys(h)) if (/^x-remote-/i.test(k)) delete h[k];
  const subject = req.socket.authorized ? req.socket.getPeerCertificate()?.subject : undefined;
  if (!subject?.CN) return { headers: h, proxied: false };
  h['x-remote-user'] = subject.CN;
  const groups = [].concat(subject.O ?? []);
  if (groups.length) h['x-remote-group'] = groups;
  return { headers: h, proxied: true };
}

/**
 * opts: { bootstrap, serverPassword, agentPassword?, version, apiPort, certs (writeServerCerts),
 * etcdMembers?: () => Promise<members>, apiservers: () => string[] }. Returns the https.Server (not listening).
 */
export function makeSupervisor(opts) {
  const b = opts.bootstrap;
  const allowed = (c, users) =>
    c &&
    users.some((u) => {
      if (c.user !== u) return false;
      if (sameSecret(c.password, opts.serverPassword)) return true;
      return u === 'node' && opts.agentPassword && sameSecret(c.password, opts.agentPassword);
    });
  const upstream = { host: '127.0.0.1', port: opts.apiPort, ca: b.serverCA.cert, servername: 'localhost' };
  const asProxy = new https.Agent({
    ...upstream,
    cert: opts.certs.authProxy.cert,
    key: opts.certs.authProxy.key,
    keepAlive: true,
  });
  const anonymous = new https.Agent({ ...upstream, keepAlive: true });

  const nodeCert = (req, kind) => {
    const name = String(req.headers['k3s-node-name'] ?? '').toLowerCase();
    if (!name) return null;
    const ips = String(req.headers['k3s-node-ip'] ?? '')
      .split(',')
      .filter(Boolean);
    const p =
      kind === 'client'
        ? issue(b.clientCA, { cn: `system:node:${name}`, o: ['system:nodes'] }, { usage: 'client' })
        : issue(b.serverCA, { cn: name }, { sans: [name, 'localhost', '127.0.0.1', ...ips], usage: 'server' });
    const ca = kind === 'client' ? b.clientCA.cert : b.serverCA.cert;
    return `${p.cert}${ca}${p.key}`;
  };

  const routes = {
    '/v1-k3s/server-bootstrap': [['server'], (res) => send(res, 200, JSON.stringify(b), 'application/json')],
    '/db/info': [
      ['server'],
      async (res) =>
        opts.etcdMembers
          ? send(res, 200, JSON.stringify({ members: await opts.etcdMembers() }), 'application/json')
          : send(res, 404, 'etcd disabled\n'),
    ],
    '/v1-k3s/config': [
      ['node', 'server'],
      (res) =>
        send(
          res,
          200,
          JSON.stringify({
            serverVersion: opts.version,
            clusterCIDR: '10.42.0.0/16',
            serviceCIDR: '10.43.0.0/16',
            clusterDNS: '10.43.0.10',
            clusterDomain: 'cluster.local',
          }),
          'application/json',
        ),
    ],
    '/v1-k3s/apiservers': [
      ['node', 'server'],
      (res) => send(res, 200, JSON.stringify(opts.apiservers()), 'application/json'),
    ],
    '/v1-k3s/readyz': [['node', 'server'], (res) => send(res, 200, 'ok')],
    '/v1-k3s/client-ca.crt': [['node', 'server'], (res) => send(res, 200, b.clientCA.cert)],
    '/v1-k3s/server-ca.crt': [['node', 'server'], (res) => send(res, 200, b.serverCA.cert)],
    '/v1-k3s/client-kubelet.crt': [
      ['node', 'server'],
      (res, req) => {
        const pem = nodeCert(req, 'client');
        return pem ? send(res, 200, pem) : send(res, 400, 'k3s-Node-Name header is required\n');
      },
    ],
    '/v1-k3s/serving-kubelet.crt': [
      ['node', 'server'],
      (res, req) => {
        const pem = nodeCert(req, 'serving');
        return pem ? send(res, 200, pem) : send(res, 400, 'k3s-Node-Name header is required\n');
      },
    ],
  };

  const proxy = (req, res) => {
    const { headers, proxied } = identityHeaders(req);
    delete headers.host; // the apiserver's own address, as a reverse proxy sends it
    headers.host = `127.0.0.1:${opts.apiPort}`;
    const up = https.request(
      { ...upstream, agent: proxied ? asProxy : anonymous, method: req.method, path: req.url, headers },
      (r) => {
        res.writeHead(r.statusCode, r.headers);
        // A watch answers its headers at once and events much later: pass the headers on now (Node holds
        // them until the first body write), or a client waits for an event before it sees the watch start.
        res.flushHeaders();
        r.pipe(res);
      },
    );
    up.on('error', (e) => {
      if (!res.headersSent) send(res, 502, `apiserver not reachable: ${e.message}\n`);
      else res.destroy();
    });
    req.pipe(up);
  };

  const server = https.createServer(
    {
      cert: opts.certs.serving.cert,
      key: opts.certs.serving.key,
      ca: b.clientCA.cert,
      requestCert: true,
      rejectUnauthorized: false,
      // No session tickets: a resumed TLS session carries no peer certificate, and the identity the proxy
      // passes on comes from that certificate (Go clients such as the kubelet resume sessions).
      secureOptions: constants.SSL_OP_NO_TICKET,
    },
    async (req, res) => {
      const p = new URL(req.url, 'https://x').pathname;
      if (p === '/cacerts') return send(res, 200, b.serverCA.cert);
      if (p === '/ping') return send(res, 200, 'pong');
      const route = routes[p];
      if (!route) return proxy(req, res);
      if (!allowed(basicCreds(req), route[0])) return send(res, 401, 'Unauthorized\n');
      try {
        await route[1](res, req);
      } catch (e) {
        send(res, 500, `${e.message}\n`);
      }
    },
  );

  // Upgraded connections (exec, attach, port-forward, websockets): one TLS connection per request, piped.
  server.on('upgrade', (req, socket, head) => {
    const { headers, proxied } = identityHeaders(req);
    const up = tls.connect(
      { ...upstream, ...(proxied ? { cert: opts.certs.authProxy.cert, key: opts.certs.authProxy.key } : {}) },
      () => {
        const lines = [`${req.method} ${req.url} HTTP/1.1`];
        for (const [k, v] of Object.entries(headers)) for (const x of [].concat(v)) lines.push(`${k}: ${x}`);
        up.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head?.length) up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      },
    );
    const close = () => {
      up.destroy();
      socket.destroy();
    };
    up.on('error', close);
    socket.on('error', close);
  });
  return server;
}
