#!/usr/bin/env node
// TEST STAND-IN for the kube-apiserver executable (not the real one): runs server.mjs with a subset
// of the real kube-apiserver flags as kubeadm's static pod manifest passes them:
//   --secure-port --bind-address --advertise-address --tls-cert-file --tls-private-key-file
//   --client-ca-file --etcd-servers --etcd-cafile --etcd-certfile --etcd-keyfile
// plus kube-controller-manager's --cluster-signing-cert-file/--cluster-signing-key-file (the
// stand-in also signs kubelet certificates) and --standin-version (the /version it reports;
// default $KUBE_STANDIN_VERSION). Other flags are accepted and ignored, as extraArgs may carry any.
// Exits 1 when etcd cannot be reached within STANDIN_DATASTORE_TIMEOUT_SECONDS (default 30).
import fs from 'node:fs';
import { startApiServer } from './server.mjs';
import { EtcdStore } from './store.mjs';
import { hostPath } from './paths.mjs';
import { retryUntil } from './https-json.mjs';

function parseFlags(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
    if (m) out[m[1]] = m[2] ?? (argv[i + 1]?.startsWith('--') ? 'true' : argv[++i]);
  }
  return out;
}

const klog = (sev, msg) => {
  const d = new Date();
  const ts = `${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')} ${d.toISOString().slice(11, 26)}`;
  process.stderr.write(`${sev}${ts} ${String(process.pid).padStart(7)} server.go] ${msg}\n`);
};

async function main(argv) {
  const f = parseFlags(argv);
  const read = (p) => fs.readFileSync(hostPath(p), 'utf8');
  const store = new EtcdStore(f['etcd-servers'], { caFile: f['etcd-cafile'] && hostPath(f['etcd-cafile']),
    certFile: f['etcd-certfile'] && hostPath(f['etcd-certfile']), keyFile: f['etcd-keyfile'] && hostPath(f['etcd-keyfile']) });
  const timeoutMs = Number(process.env.STANDIN_DATASTORE_TIMEOUT_SECONDS ?? 30) * 1000;
  try {
    await retryUntil(async () => { await store.ping(); return true; }, { timeoutMs, intervalMs: 500, what: 'etcd' });
  } catch (e) {
    klog('E', `"Unable to create storage backend" err="${e.message}" config=${f['etcd-servers']}`);
    process.exit(1);
  }
  const signer = f['cluster-signing-cert-file'] ? { cert: read(f['cluster-signing-cert-file']), key: read(f['cluster-signing-key-file']) } : undefined;
  const api = await startApiServer({
    bindAddress: f['bind-address'] ?? '0.0.0.0', port: Number(f['secure-port'] ?? 6443), advertiseAddress: f['advertise-address'],
    cert: read(f['tls-cert-file']), key: read(f['tls-private-key-file']), clientCA: read(f['client-ca-file']),
    signer, store, gitVersion: f['standin-version'] ?? process.env.KUBE_STANDIN_VERSION ?? 'v1.31.2',
  });
  klog('I', `Serving securely on ${f['bind-address'] ?? '[::]'}:${f['secure-port'] ?? 6443}`);
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => api.close().finally(() => process.exit(0)));
}

await main(process.argv.slice(2));
