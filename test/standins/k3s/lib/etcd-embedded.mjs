// TEST STAND-IN support (not shipped): the embedded etcd of k3s --cluster-init, played by the REAL etcd
// binary ($STANDIN_ETCD_BIN: the launcher sets it to the test cache's 3.6, the release k3s v1.37 compiles
// in) with TLS on client and peer ports. The first server starts a one-member cluster; each joining
// server registers itself with /v3/cluster/member/add on a running member and starts with
// --initial-cluster-state=existing — the same sequence k3s performs.
// Ports default to 2379/2380; STANDIN_ETCD_CLIENT_PORT / STANDIN_ETCD_PEER_PORT override them so
// local tests can run several members on one machine.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EtcdClient } from './etcd-client.mjs';
import { retryUntil } from './https-json.mjs';
import { hostPath } from './paths.mjs';

export const ETCD_BIN = process.env.STANDIN_ETCD_BIN ?? '/usr/bin/etcd';

export function etcdPorts() {
  return {
    client: Number(process.env.STANDIN_ETCD_CLIENT_PORT ?? 2379),
    peer: Number(process.env.STANDIN_ETCD_PEER_PORT ?? 2380),
  };
}

const isLoopback = (ip) => /^127\./.test(ip) || ip === '::1';

/** URLs this member serves: the node IP, plus 127.0.0.1 as k3s/kubeadm do (skipped when the node IP is loopback). */
export function memberURLs(ip) {
  const { client, peer } = etcdPorts();
  const clientURLs = [`https://${ip}:${client}`];
  if (!isLoopback(ip)) clientURLs.unshift(`https://127.0.0.1:${client}`);
  return {
    listenClient: clientURLs.join(','),
    advertiseClient: `https://${ip}:${client}`,
    peerURL: `https://${ip}:${peer}`,
  };
}

/**
 * Ask a running member to add us as a learner (the name is filled in when we start), as k3s does
 * (MemberAddAsLearner in pkg/etcd): a learner does not count towards quorum, so the running cluster keeps
 * it while the new member starts. Returns the --initial-cluster value including ourselves.
 */
export async function addMember(endpoints, tlsFiles, name, peerURL) {
  const client = new EtcdClient(endpoints, tlsFiles);
  // etcd refuses an add while another new member has not started yet (strict reconfig check);
  // control planes joining at the same time therefore wait for each other, as k3s does.
  await retryUntil(
    async () => {
      const existing = await client.memberList();
      if (!existing.some((m) => m.peerURLs?.includes(peerURL))) await client.memberAdd([peerURL], { learner: true });
      return true;
    },
    { timeoutMs: 120000, intervalMs: 1000, what: `etcd member add ${peerURL}` },
  );
  const members = await client.memberList();
  return members.map((m) => `${m.peerURLs[0] === peerURL ? name : m.name}=${m.peerURLs[0]}`).join(',');
}

/** Once our member runs: promote it from learner to voting member (etcd refuses until it caught up). */
export async function promoteMember(endpoints, tlsFiles, peerURL) {
  const client = new EtcdClient(endpoints, tlsFiles);
  await retryUntil(
    async () => {
      const me = (await client.memberList()).find((m) => m.peerURLs?.includes(peerURL));
      if (!me) throw new Error(`${peerURL} is not a member`);
      if (me.isLearner) await client.memberPromote(me.ID);
      return true;
    },
    { timeoutMs: 120000, intervalMs: 500, what: `etcd member promote ${peerURL}` },
  );
}

/**
 * Start etcd. opts: { name, ip, dataDir, certs: { ca, cert, key, peerCa, peerCert, peerKey } (host
 * paths), initialCluster?, state: 'new'|'existing', logFile, detached (kubeadm static-pod style),
 * extraArgs (e.g. --force-new-cluster for a cluster reset) }.
 * Resolves { child, endpoint } once the member answers over TLS with clientTLS.
 */
export async function startEtcd(opts, clientTLS) {
  const u = memberURLs(opts.ip);
  const c = opts.certs;
  const dataDir = hostPath(opts.dataDir);
  const hasData = fs.existsSync(path.join(dataDir, 'member'));
  const args = [
    `--name=${opts.name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${u.listenClient}`,
    `--advertise-client-urls=${u.advertiseClient}`,
    `--listen-peer-urls=${u.peerURL}`,
    `--initial-advertise-peer-urls=${u.peerURL}`,
    `--cert-file=${hostPath(c.cert)}`,
    `--key-file=${hostPath(c.key)}`,
    `--trusted-ca-file=${hostPath(c.ca)}`,
    '--client-cert-auth=true',
    `--peer-cert-file=${hostPath(c.peerCert)}`,
    `--peer-key-file=${hostPath(c.peerKey)}`,
    `--peer-trusted-ca-file=${hostPath(c.peerCa ?? c.ca)}`,
    '--peer-client-cert-auth=true',
    '--snapshot-count=10000',
    '--heartbeat-interval=100',
    '--election-timeout=1000',
    ...(opts.extraArgs ?? []),
  ];
  if (!hasData) {
    args.push(
      `--initial-cluster=${opts.initialCluster ?? `${opts.name}=${u.peerURL}`}`,
      `--initial-cluster-state=${opts.state ?? 'new'}`,
      '--initial-cluster-token=etcd-cluster',
    );
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.dirname(hostPath(opts.logFile)), { recursive: true });
  const out = fs.openSync(hostPath(opts.logFile), 'a');
  // Embedded etcd dies with its parent (k3s runs it in-process); setpriv gives a child that guarantee.
  const [cmd, cmdArgs] = opts.detached ? [ETCD_BIN, args] : ['setpriv', ['--pdeathsig', 'SIGKILL', ETCD_BIN, ...args]];
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', out, out], detached: Boolean(opts.detached) });
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, sig) => {
    exited = `etcd exited (${code ?? sig}); see ${hostPath(opts.logFile)}`;
  });
  if (opts.detached) child.unref();
  const client = new EtcdClient(u.advertiseClient, clientTLS);
  await retryUntil(
    async () => {
      if (exited) throw Object.assign(new Error(exited), { fatal: true });
      await client.status();
      return true;
    },
    { timeoutMs: 60000, intervalMs: 300, what: 'etcd to start' },
  ).catch((e) => {
    if (!exited) child.kill('SIGKILL');
    throw e;
  });
  return { child, endpoint: u.advertiseClient };
}
