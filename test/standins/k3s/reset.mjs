// TEST STAND-IN support (not shipped): `k3s server --cluster-reset [--cluster-reset-restore-path=FILE]`
// with embedded etcd, as k3s's pkg/etcd Reset/Restore do it:
//  - with a restore path: the file must exist and not be a directory; <data-dir>/server/db/etcd moves to
//    etcd-old-<unix time>, and the REAL etcdutl 3.6 (`snapshot restore`, the library call k3s makes)
//    rebuilds it as a one-member cluster of this node (--name, --initial-cluster, --initial-advertise-peer-urls);
//    the reset flag is not checked (k3s does not either);
//  - without: refused once <data-dir>/server/db/reset-flag exists (k3s's message), else membership only;
//  - then the REAL etcd starts with --force-new-cluster; once it answers with this node as its only
//    member, it is stopped, the reset flag written, k3s's message logged, and the process exits 0.
// The next plain `k3s server` start clears the flag (datastore.mjs). The other servers must have their
// <data-dir>/server/db removed before they start again: they rejoin as new members (datastore.mjs, join).
// On a FRESH server (no bootstrap data in <data-dir>/server/tls: k3s's "restoring a snapshot to new
// nodes"), a restore path is required; etcd starts on the restored data with throwaway certificates
// (k3s reads it through a temporary plain-HTTP member on loopback), the bootstrap data is read from it
// and decrypted with the token (a wrong or missing token is fatal, as in k3s) and written to server/tls,
// so the next start serves the old cluster's CAs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { etcdBin } from './binaries.mjs';
import { fromDatastore, generateBootstrap, readLocalBootstrap, writeBootstrap } from './bootstrap.mjs';
import { etcdCerts } from './datastore.mjs';
import { EtcdClient } from './lib/etcd-client.mjs';
import { EtcdStore } from './lib/store.mjs';
import { memberURLs, startEtcd } from './lib/etcd-embedded.mjs';
import { hostPath, writeFile } from './lib/paths.mjs';
import { k3sLog } from './lib/log.mjs';
import { parseToken } from './token.mjs';

const fatal = (msg) => Object.assign(new Error(msg), { fatal: true });

export async function clusterReset(f, { dataDir, nodeName, nodeIP, tokenText }) {
  if (f['datastore-endpoint'])
    throw fatal('invalid flag use; --cluster-reset is not compatible with --datastore-endpoint');
  const db = `${dataDir}/server/db`;
  const etcdDir = `${db}/etcd`;
  const resetFlag = `${db}/reset-flag`;
  const restorePath = f['cluster-reset-restore-path'];
  const local = readLocalBootstrap(`${dataDir}/server/tls`);
  if (!local && !restorePath)
    throw fatal(`starting kubernetes: preparing server: no bootstrap data in ${dataDir}/server/tls to reset with`);
  const password = parseToken(tokenText ?? '').password;
  if (!local && !password)
    throw fatal('starting kubernetes: preparing server: token is required to restore a snapshot onto a new server');
  if (!restorePath && fs.existsSync(hostPath(resetFlag))) {
    throw fatal(
      `Managed etcd cluster membership was previously reset, please remove the cluster-reset flag and start k3s normally. If you need to perform another cluster reset, you must first manually delete the file at ${resetFlag}`,
    );
  }
  const { peerURL } = memberURLs(nodeIP);
  if (restorePath) {
    let st;
    try {
      st = fs.statSync(hostPath(restorePath));
    } catch {
      throw fatal(`etcd: snapshot path does not exist: ${restorePath}`);
    }
    if (st.isDirectory()) throw fatal(`etcd: snapshot path must be a file, not a directory: ${restorePath}`);
    if (fs.existsSync(hostPath(etcdDir))) {
      const old = `${etcdDir}-old-${Math.floor(Date.now() / 1000)}`;
      fs.renameSync(hostPath(etcdDir), hostPath(old));
      k3sLog.info(`Pre-restore etcd database moved to ${old}`);
    }
    const etcdutl = path.join(path.dirname(etcdBin()), 'etcdutl');
    const r = spawnSync(
      etcdutl,
      [
        'snapshot',
        'restore',
        hostPath(restorePath),
        `--name=${nodeName}`,
        `--data-dir=${hostPath(etcdDir)}`,
        `--initial-cluster=${nodeName}=${peerURL}`,
        `--initial-advertise-peer-urls=${peerURL}`,
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw fatal(`etcd: restore from ${restorePath} failed: ${(r.stderr || r.stdout).trim()}`);
    fs.chmodSync(hostPath(etcdDir), 0o700);
  }
  writeFile(resetFlag, '', 0o600);
  // A fresh server has no CAs yet: throwaway ones serve etcd until the snapshot's bootstrap data is read.
  const tlsDir = local ? `${dataDir}/server/tls` : `${dataDir}/server/tls-restore-tmp`;
  const throwaway = local ? null : generateBootstrap();
  if (throwaway) writeBootstrap(tlsDir, throwaway);
  const { certs, client } = etcdCerts(tlsDir, local ?? throwaway, nodeName, nodeIP);
  const etcd = await startEtcd(
    {
      name: nodeName,
      ip: nodeIP,
      dataDir: etcdDir,
      certs,
      logFile: `${db}/etcd.log`,
      extraArgs: ['--force-new-cluster'],
    },
    client,
  ).catch((e) => {
    throw fatal(`starting kubernetes: preparing server: start managed database: ${e.message}`);
  });
  const stop = async () => {
    etcd.child.kill('SIGTERM');
    await new Promise((resolve) => etcd.child.once('exit', resolve));
  };
  const members = await new EtcdClient(etcd.endpoint, client).memberList();
  if (!local) {
    let b;
    try {
      b = await fromDatastore(new EtcdStore(etcd.endpoint, client), password);
    } catch (e) {
      await stop();
      fs.rmSync(hostPath(tlsDir), { recursive: true, force: true });
      throw fatal(`starting kubernetes: preparing server: failed to bootstrap cluster data: ${e.message}`);
    }
    if (!b) {
      await stop();
      throw fatal(`starting kubernetes: preparing server: ${restorePath} holds no k3s bootstrap data`);
    }
    writeBootstrap(`${dataDir}/server/tls`, b);
    fs.rmSync(hostPath(tlsDir), { recursive: true, force: true });
  }
  await stop();
  if (members.length !== 1 || members[0].name !== nodeName)
    throw fatal(`etcd still has ${members.length} members after the reset`);
  k3sLog.info(
    'Managed etcd cluster membership has been reset, restart without --cluster-reset flag now. Backup and delete ${datadir}/server/db on each peer etcd server and rejoin the nodes',
  );
  process.exit(0);
}
