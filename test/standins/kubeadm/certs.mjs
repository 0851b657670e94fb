// TEST STAND-IN support (not shipped): kubeadm's /etc/kubernetes/pki layout. The shared
// material (ca, sa, front-proxy-ca, etcd/ca — what `kubeadm init --upload-certs` shares with
// joining control planes) is generated on the first control plane; every control plane then
// issues its own apiserver/etcd certificates from it. Files and names match kubeadm's.
import fs from 'node:fs';
import crypto from 'node:crypto';
import path from 'node:path';
import { newCA, issue, newKey } from '../kube-api/pki.mjs';
import { hostPath, writeFile, readFile, exists } from '../kube-api/paths.mjs';
import { hostOf } from './config.mjs';

/** Shared files, by their kubeadm-certs Secret key (external etcd adds external-etcd-*). */
export const SHARED = {
  'ca.crt': 'ca.crt', 'ca.key': 'ca.key', 'sa.key': 'sa.key', 'sa.pub': 'sa.pub',
  'front-proxy-ca.crt': 'front-proxy-ca.crt', 'front-proxy-ca.key': 'front-proxy-ca.key',
  'etcd-ca.crt': 'etcd/ca.crt', 'etcd-ca.key': 'etcd/ca.key',
};

const say = (m) => process.stdout.write(`[certs] ${m}\n`);

function writePair(dir, name, pair) {
  writeFile(path.join(dir, `${name}.crt`), pair.cert, 0o644);
  writeFile(path.join(dir, `${name}.key`), pair.key, 0o600);
}

/** Generate the shared CAs and service-account key pair (kubeadm init). */
export function generateShared(dir, stackedEtcd) {
  say(`Using certificateDir folder "${dir}"`);
  for (const [name, cn] of [['ca', 'kubernetes'], ['front-proxy-ca', 'front-proxy-ca'], ...(stackedEtcd ? [['etcd/ca', 'etcd-ca']] : [])]) {
    if (exists(path.join(dir, `${name}.crt`))) { say(`Using existing ${name.replace('/', '-')} certificate authority`); continue; }
    say(`Generating "${name.replace('/', '-')}" certificate and key`);
    writePair(dir, name, newCA(cn));
  }
  if (!exists(path.join(dir, 'sa.key'))) {
    say('Generating "sa" key and public key');
    const key = newKey();
    writeFile(path.join(dir, 'sa.key'), key, 0o600);
    writeFile(path.join(dir, 'sa.pub'), crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' }), 0o644);
  }
}

const loadCA = (dir, name) => ({ cert: readFile(path.join(dir, `${name}.crt`)), key: readFile(path.join(dir, `${name}.key`)) });

/** Per-node certificates of a control plane: apiserver, kubelet client, front-proxy client, etcd. */
export function generateNodeCerts(dir, { nodeName, advertiseAddress, cluster }) {
  const ca = loadCA(dir, 'ca');
  const sans = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${cluster.dnsDomain}`,
    nodeName, advertiseAddress, '10.96.0.1', ...(cluster.controlPlaneEndpoint ? [hostOf(cluster.controlPlaneEndpoint)] : []),
    ...cluster.certSANs];
  say(`apiserver serving cert is signed for DNS names and IPs [${[...new Set(sans)].join(' ')}]`);
  writePair(dir, 'apiserver', issue(ca, { cn: 'kube-apiserver' }, { sans, usage: 'server' }));
  writePair(dir, 'apiserver-kubelet-client', issue(ca, { cn: 'kube-apiserver-kubelet-client', o: ['kubeadm:cluster-admins'] }, { usage: 'client' }));
  writePair(dir, 'front-proxy-client', issue(loadCA(dir, 'front-proxy-ca'), { cn: 'front-proxy-client' }, { usage: 'client' }));
  if (cluster.etcd.local) {
    const eca = loadCA(dir, 'etcd/ca');
    const esans = [nodeName, 'localhost', advertiseAddress, '127.0.0.1', '::1'];
    say(`etcd/server serving cert is signed for DNS names [${nodeName} localhost] and IPs [${advertiseAddress} 127.0.0.1 ::1]`);
    writePair(dir, 'etcd/server', issue(eca, { cn: nodeName }, { sans: esans, usage: 'both' }));
    writePair(dir, 'etcd/peer', issue(eca, { cn: nodeName }, { sans: esans, usage: 'both' }));
    writePair(dir, 'etcd/healthcheck-client', issue(eca, { cn: 'kube-etcd-healthcheck-client' }, { usage: 'client' }));
    writePair(dir, 'apiserver-etcd-client', issue(eca, { cn: 'kube-apiserver-etcd-client' }, { usage: 'client' }));
  }
}

/** Issue a client certificate signed by the cluster CA (admin.conf, super-admin.conf, ...). */
export function clientCert(dir, cn, o = []) {
  return issue(loadCA(dir, 'ca'), { cn, o }, { usage: 'client' });
}

/** The files `kubeadm init --upload-certs` shares, as { secretKey: contents }. */
export function sharedFiles(dir, cluster) {
  const out = {};
  for (const [k, f] of Object.entries(SHARED)) {
    if (k.startsWith('etcd-') && !cluster.etcd.local) continue;
    out[k] = readFile(path.join(dir, f));
  }
  const ext = cluster.etcd.external;
  if (ext) {
    if (ext.caFile) out['external-etcd-ca.crt'] = readFile(ext.caFile);
    if (ext.certFile) out['external-etcd.crt'] = readFile(ext.certFile);
    if (ext.keyFile) out['external-etcd.key'] = readFile(ext.keyFile);
  }
  return out;
}

/** Write shared files received from the kubeadm-certs Secret, at kubeadm's paths. */
export function writeSharedFiles(dir, cluster, files) {
  const ext = cluster.etcd.external ?? {};
  const target = { ...Object.fromEntries(Object.entries(SHARED).map(([k, f]) => [k, path.join(dir, f)])),
    'external-etcd-ca.crt': ext.caFile, 'external-etcd.crt': ext.certFile, 'external-etcd.key': ext.keyFile };
  for (const [k, v] of Object.entries(files)) {
    if (target[k]) writeFile(target[k], v, k.endsWith('.key') ? 0o600 : 0o644);
  }
}

/** Which shared files are missing on disk (joining a control plane without --certificate-key). */
export function missingShared(dir, cluster) {
  const need = ['ca.crt', 'ca.key', 'sa.key', 'sa.pub', 'front-proxy-ca.crt', 'front-proxy-ca.key',
    ...(cluster.etcd.local ? ['etcd/ca.crt', 'etcd/ca.key'] : [])];
  return need.filter((f) => !fs.existsSync(hostPath(path.join(dir, f))));
}
