// TEST STAND-IN support (not shipped): the k3s "supervisor" endpoints a k3s server serves on
// its API port next to the Kubernetes API, as used when nodes join:
//   GET /cacerts                  cluster CA bundle (anonymous; pinned by the K10 token hash)
//   GET /ping                     "pong"
//   GET /v1-k3s/server-bootstrap  CA material for joining servers (basic auth server:<password>)
//   GET /v1-k3s/config            agent configuration (basic auth node|server:<password>)
//   GET /db/info                  embedded etcd members (basic auth server:<password>)
// and the token authenticator that lets a node holding the token get its kubelet certificate
// signed (POST /standin/v1/sign). A wrong password answers 401, as k3s does.
import { sendJSON } from '../kube-api/server.mjs';
import { sameSecret } from './token.mjs';

function basicCreds(req) {
  const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return null;
  const text = Buffer.from(m[1], 'base64').toString();
  const i = text.indexOf(':');
  return { user: text.slice(0, i), password: text.slice(i + 1) };
}

/** opts: { bootstrap, serverPassword, agentPassword?, etcdMembers?: () => Promise<members>, version } */
export function makeSupervisor(opts) {
  const allowed = (c, users) => c && users.some((u) => {
    if (c.user !== u) return false;
    if (sameSecret(c.password, opts.serverPassword)) return true;
    return u === 'node' && opts.agentPassword && sameSecret(c.password, opts.agentPassword);
  });

  const routes = async (req, res, url) => {
    const p = url.pathname;
    if (p === '/cacerts') { res.writeHead(200, { 'Content-Type': 'text/plain' }).end(opts.bootstrap.serverCA.cert); return true; }
    if (p === '/ping') { res.writeHead(200, { 'Content-Type': 'text/plain' }).end('pong'); return true; }
    const need = { '/v1-k3s/server-bootstrap': ['server'], '/db/info': ['server'], '/v1-k3s/config': ['node', 'server'] }[p];
    if (!need) return false;
    if (!allowed(basicCreds(req), need)) { res.writeHead(401, { 'Content-Type': 'text/plain' }).end('Unauthorized\n'); return true; }
    if (p === '/v1-k3s/server-bootstrap') sendJSON(res, 200, opts.bootstrap);
    else if (p === '/v1-k3s/config') sendJSON(res, 200, { serverVersion: opts.version, clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16' });
    else if (opts.etcdMembers) sendJSON(res, 200, { members: await opts.etcdMembers() });
    else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('etcd disabled\n');
    return true;
  };

  // Basic "node:<password>" / "server:<password>" may only sign kubelet certificates (see auth.mjs).
  const tokenAuthenticator = async ({ basic }) => {
    if (!basic) return null;
    const i = basic.indexOf(':');
    const c = { user: basic.slice(0, i), password: basic.slice(i + 1) };
    return allowed(c, ['node', 'server']) ? { user: `k3s:${c.user}`, groups: ['k3s:token-holders'], via: 'k3s-token' } : null;
  };

  return { routes, tokenAuthenticator };
}
