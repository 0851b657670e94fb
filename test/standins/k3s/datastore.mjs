// TEST STAND-IN support (not shipped): how a k3s server stand-in gets its datastore and its
// bootstrap data, per k3s's four modes:
//  external  --datastore-endpoint https://ip:2379,... with --datastore-cafile/certfile/keyfile:
//            the REAL external etcd over TLS; unreadable TLS files are fatal at once, an
//            unreachable/refusing datastore is fatal after STANDIN_DATASTORE_TIMEOUT_SECONDS (30).
//  cluster-init  a REAL etcd started by this server (embedded etcd, first member).
//  join      --server URL without a datastore: bootstrap from that server, then join its etcd
//            as a new member (the etcd cluster grows with every server, as in k3s HA).
//  single    neither: k3s would use SQLite (kine); the launcher runs a one-member etcd.
import fs from 'node:fs';
import path from 'node:path';
import { EtcdStore } from './lib/store.mjs';
import { issue } from './lib/pki.mjs';
import { request, retryUntil, sleep } from './lib/https-json.mjs';
import { hostPath, writeFile } from './lib/paths.mjs';
import { addMember, memberURLs, promoteMember, startEtcd } from './lib/etcd-embedded.mjs';
import { fromDatastore, fromServer, generateBootstrap, readLocalBootstrap, saveToDatastore } from './bootstrap.mjs';

const fatal = (msg) => Object.assign(new Error(msg), { fatal: true });

/** A server that did not answer at all (refused, reset, timed out): not one that refused the token or CA. */
const unreachable = (e) =>
  ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(e?.code) ||
  /socket hang up|timed out/.test(e?.message ?? '');

/**
 * A real k3s whose --server does not answer yet (the load balancer has no healthy server for a moment,
 * e.g. right after a restored first server starts) exits, and systemd starts it again 5 s later
 * (k3s.service: Restart=always, RestartSec=5s). The systemctl stand-in has no Restart=, so the
 * launcher waits here as those restarts would, for up to 5 minutes; any other failure is fatal at once.
 */
async function asRestartsWould(fn) {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!unreachable(e) || Date.now() >= deadline) throw e;
      process.stderr.write(`k3s stand-in: ${e.message}; again in 5s, as systemd's Restart=always would\n`);
      await sleep(5_000);
    }
  }
}

async function waitForDatastore(store) {
  const timeoutMs = Number(process.env.STANDIN_DATASTORE_TIMEOUT_SECONDS ?? 30) * 1000;
  try {
    await retryUntil(
      async () => {
        await store.ping();
        return true;
      },
      { timeoutMs, intervalMs: 1000, what: 'datastore' },
    );
  } catch (e) {
    throw fatal(
      `starting kubernetes: preparing server: creating storage endpoint: building kine: failed to test data store connection: ${e.message}`,
    );
  }
}

function externalStore(f) {
  const ep = f['datastore-endpoint'];
  if (!/^https?:\/\//.test(ep)) {
    throw fatal(
      `starting kubernetes: preparing server: creating storage endpoint: this k3s test stand-in supports only etcd datastore endpoints (https://host:2379), got "${ep.split('://')[0]}"`,
    );
  }
  const files = { caFile: f['datastore-cafile'], certFile: f['datastore-certfile'], keyFile: f['datastore-keyfile'] };
  for (const file of Object.values(files)) {
    if (file && !fs.existsSync(hostPath(file)))
      throw fatal(
        `starting kubernetes: preparing server: creating storage endpoint: building kine: open ${file}: no such file or directory`,
      );
  }
  const mapped = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v && hostPath(v)]));
  return new EtcdStore(ep, mapped);
}

/** etcd certs for this member under <tls>/etcd, k3s names; returns the paths startEtcd needs. */
export function etcdCerts(tlsDir, b, nodeName, ip) {
  const dir = path.join(tlsDir, 'etcd');
  const sans = [ip, '127.0.0.1', 'localhost', nodeName];
  const put = (name, pair) => {
    writeFile(path.join(dir, `${name}.crt`), pair.cert, 0o644);
    writeFile(path.join(dir, `${name}.key`), pair.key, 0o600);
  };
  put('server-client', issue(b.etcdServerCA, { cn: 'etcd-server' }, { sans, usage: 'both' }));
  put('peer-server-client', issue(b.etcdPeerCA, { cn: 'etcd-peer' }, { sans, usage: 'both' }));
  put('client', issue(b.etcdServerCA, { cn: 'etcd-client' }, { usage: 'client' }));
  return {
    certs: {
      ca: path.join(dir, 'server-ca.crt'),
      cert: path.join(dir, 'server-client.crt'),
      key: path.join(dir, 'server-client.key'),
      peerCa: path.join(dir, 'peer-ca.crt'),
      peerCert: path.join(dir, 'peer-server-client.crt'),
      peerKey: path.join(dir, 'peer-server-client.key'),
    },
    client: {
      caFile: hostPath(path.join(dir, 'server-ca.crt')),
      certFile: hostPath(path.join(dir, 'client.crt')),
      keyFile: hostPath(path.join(dir, 'client.key')),
    },
  };
}

/**
 * Open the datastore and settle the bootstrap data. ctx: { f, dataDir, tlsDir, token (parsed),
 * nodeName, nodeIP, writeBootstrap(b) }. Returns { store, bootstrap, password, apiEtcd: { servers, ca, cert,
 * key } (what kube-apiserver's --etcd-* flags get), etcd?: {child, members()} }.
 */
export async function openDatastore(ctx) {
  const { f, dataDir, tlsDir, token, nodeName, nodeIP } = ctx;
  const local = readLocalBootstrap(tlsDir);
  const savedPassword = (() => {
    try {
      return fs
        .readFileSync(hostPath(`${dataDir}/server/token`), 'utf8')
        .trim()
        .split(':')
        .pop();
    } catch {
      return null;
    }
  })();
  const password = token.password || savedPassword || ctx.newPassword();

  if (f['datastore-endpoint']) {
    const store = externalStore(f);
    await waitForDatastore(store);
    let b;
    try {
      b =
        (await fromDatastore(store, password)) ??
        (await saveToDatastore(store, password, local ?? generateBootstrap()));
    } catch (e) {
      throw fatal(`starting kubernetes: preparing server: failed to bootstrap cluster data: ${e.message}`);
    }
    const apiEtcd = {
      servers: f['datastore-endpoint'],
      ca: f['datastore-cafile'],
      cert: f['datastore-certfile'],
      key: f['datastore-keyfile'],
    };
    return { store, bootstrap: b, password, apiEtcd };
  }

  const etcdDataDir = `${dataDir}/server/db/etcd`;
  const joining = Boolean(f.server) && !fs.existsSync(hostPath(path.join(etcdDataDir, 'member')));
  // Neither --cluster-init nor --server: k3s would use SQLite through kine; the launcher has no kine
  // and starts a one-member etcd instead (the API server sees no difference).
  let b = local;
  let initialCluster;
  let endpoints;
  if (joining) {
    try {
      b = await asRestartsWould(() => fromServer(f.server, token));
    } catch (e) {
      throw fatal(`starting kubernetes: preparing server: failed to bootstrap cluster data: ${e.message}`);
    }
  }
  b ??= generateBootstrap();
  ctx.writeBootstrap(b);
  const { certs, client } = etcdCerts(tlsDir, b, nodeName, nodeIP);
  if (joining) {
    const info = await asRestartsWould(() =>
      request(new URL('/db/info', f.server).href, {
        tls: { ca: b.serverCA.cert },
        auth: { basic: `server:${token.password}` },
      }),
    );
    if (info.status !== 200)
      throw fatal(
        `starting kubernetes: preparing server: ${f.server} is not using embedded etcd (${info.status}); join it with --datastore-endpoint instead`,
      );
    endpoints = info.json.members.flatMap((m) => m.clientURLs).join(',');
    initialCluster = await addMember(endpoints, client, `${nodeName}`, memberURLs(nodeIP).peerURL);
  }
  // Starting the managed database clears a cluster reset's flag, as k3s does.
  fs.rmSync(hostPath(`${dataDir}/server/db/reset-flag`), { force: true });
  const etcd = await startEtcd(
    {
      name: nodeName,
      ip: nodeIP,
      dataDir: etcdDataDir,
      certs,
      initialCluster,
      state: joining ? 'existing' : 'new',
      logFile: `${dataDir}/server/db/etcd.log`,
    },
    client,
  ).catch((e) => {
    throw fatal(`starting kubernetes: preparing server: start managed database: ${e.message}`);
  });
  // Joined as a learner: a voting member before the API server uses it (a learner serves no client reads).
  if (joining) {
    await promoteMember(endpoints, client, memberURLs(nodeIP).peerURL).catch((e) => {
      throw fatal(`starting kubernetes: preparing server: start managed database: ${e.message}`);
    });
  }
  const store = new EtcdStore(etcd.endpoint, client);
  if (!joining) await saveToDatastore(store, password, b).catch(() => {});
  const apiEtcd = { servers: etcd.endpoint, ca: client.caFile, cert: client.certFile, key: client.keyFile };
  return {
    store,
    bootstrap: b,
    password,
    apiEtcd,
    etcd: { child: etcd.child, members: () => store.client.memberList() },
  };
}
