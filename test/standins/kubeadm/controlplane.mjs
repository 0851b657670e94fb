// TEST STAND-IN support (not shipped): the processes a kubeadm node runs. On a real node the
// kubelet starts etcd and kube-apiserver from static Pod manifests; here kubeadm starts them
// itself, detached (their own session, surviving the ssh command), next to the kubelet stand-in:
//   etcd            REAL /usr/bin/etcd with kubeadm's certificate layout (stacked etcd only)
//   kube-apiserver  ../kube-api/kube-apiserver.mjs with kube-apiserver flags
//   kubelet         ../kube-api/kubelet.mjs (registers the Node, posts status); on test hosts with
//                   the kubelet package stand-in it runs as kubelet.service, started with systemctl
// Pids go to /var/lib/kubeadm-standin/<name>.pid and logs to /var/log/kubeadm-standin/<name>.log,
// so `kubeadm reset` stops exactly this host's processes (test hosts share a PID namespace).
// The manifests kubeadm would write are written too (documentation; nothing reads them).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostPath, standinRoot, writeFile } from '../kube-api/paths.mjs';
import { request, sleep } from '../kube-api/https-json.mjs';
import { startEtcd } from '../kube-api/etcd-embedded.mjs';
import { stringify } from '../kube-api/yaml-lite.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const KUBE_API = path.join(HERE, '..', 'kube-api');
export const STATE_DIR = '/var/lib/kubeadm-standin';
const LOG_DIR = '/var/log/kubeadm-standin';
const pidFile = (name) => hostPath(`${STATE_DIR}/${name}.pid`);
const logFile = (name) => `${LOG_DIR}/${name}.log`;

function manifest(name, command) {
  writeFile(`/etc/kubernetes/manifests/${name}.yaml`, stringify({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'kube-system', labels: { component: name, tier: 'control-plane' },
      annotations: { 'standin.ksctl.io/note': 'written by the kubeadm TEST STAND-IN; the process is started by kubeadm itself' } },
    spec: { hostNetwork: true, containers: [{ name, command }] },
  }), 0o600);
}

function spawnDetached(name, cmd, args) {
  fs.mkdirSync(path.dirname(hostPath(logFile(name))), { recursive: true });
  fs.mkdirSync(path.dirname(pidFile(name)), { recursive: true });
  const out = fs.openSync(hostPath(logFile(name)), 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out], env: process.env });
  fs.closeSync(out);
  fs.writeFileSync(pidFile(name), String(child.pid));
  child.unref();
  return child;
}

/** Stop every recorded process (SIGTERM to its group, then SIGKILL). */
export async function stopAll() {
  const dir = hostPath(STATE_DIR);
  if (!fs.existsSync(dir)) return;
  const pids = fs.readdirSync(dir).filter((f) => f.endsWith('.pid')).map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8')));
  const signal = (sig) => pids.forEach((p) => { try { process.kill(-p, sig); } catch { /* gone */ } });
  signal('SIGTERM');
  for (let i = 0; i < 20 && pids.some((p) => { try { process.kill(p, 0); return true; } catch { return false; } }); i++) await sleep(100);
  signal('SIGKILL');
}

/** Stacked etcd for this control plane. */
export async function startLocalEtcd({ nodeName, ip, pki, dataDir, initialCluster }) {
  const certs = { ca: `${pki}/etcd/ca.crt`, cert: `${pki}/etcd/server.crt`, key: `${pki}/etcd/server.key`,
    peerCa: `${pki}/etcd/ca.crt`, peerCert: `${pki}/etcd/peer.crt`, peerKey: `${pki}/etcd/peer.key` };
  const client = { caFile: hostPath(`${pki}/etcd/ca.crt`), certFile: hostPath(`${pki}/etcd/healthcheck-client.crt`), keyFile: hostPath(`${pki}/etcd/healthcheck-client.key`) };
  manifest('etcd', ['etcd', `--name=${nodeName}`, `--data-dir=${dataDir}`, '...']);
  const etcd = await startEtcd({ name: nodeName, ip, dataDir, certs, initialCluster, state: initialCluster ? 'existing' : 'new',
    logFile: logFile('etcd'), detached: true }, client);
  fs.mkdirSync(path.dirname(pidFile('etcd')), { recursive: true });
  fs.writeFileSync(pidFile('etcd'), String(etcd.child.pid));
  return etcd.endpoint;
}

/** kube-apiserver flags as kubeadm's manifest sets them. */
export function apiserverArgs({ cluster, node, pki, version }) {
  const etcd = cluster.etcd.external
    ? [`--etcd-servers=${cluster.etcd.external.endpoints.join(',')}`, `--etcd-cafile=${cluster.etcd.external.caFile}`,
      `--etcd-certfile=${cluster.etcd.external.certFile}`, `--etcd-keyfile=${cluster.etcd.external.keyFile}`]
    : [`--etcd-servers=${node.etcdClientURL}`, `--etcd-cafile=${pki}/etcd/ca.crt`,
      `--etcd-certfile=${pki}/apiserver-etcd-client.crt`, `--etcd-keyfile=${pki}/apiserver-etcd-client.key`];
  return [`--advertise-address=${node.advertiseAddress}`, `--secure-port=${node.bindPort}`,
    `--client-ca-file=${pki}/ca.crt`, `--tls-cert-file=${pki}/apiserver.crt`, `--tls-private-key-file=${pki}/apiserver.key`,
    `--service-cluster-ip-range=${cluster.serviceSubnet}`, ...etcd,
    `--cluster-signing-cert-file=${pki}/ca.crt`, `--cluster-signing-key-file=${pki}/ca.key`, `--standin-version=${version}`,
    ...cluster.apiServerExtraArgs,
    // Tests only: several control planes on one machine each bind their own loopback address.
    ...(process.env.KUBEADM_STANDIN_APISERVER_BIND_ADDRESS ? [`--bind-address=${process.env.KUBEADM_STANDIN_APISERVER_BIND_ADDRESS}`] : [])];
}

/** Start kube-apiserver and wait until /livez answers (kubeadm's [api-check]); fail early if it dies. */
export async function startApiServer(args, { url, ca }) {
  for (const n of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) manifest(n, [n, ...(n === 'kube-apiserver' ? args : [])]);
  const child = spawnDetached('kube-apiserver', process.execPath, [path.join(KUBE_API, 'kube-apiserver.mjs'), ...args]);
  let exited = false;
  child.on('exit', () => { exited = true; });
  const started = Date.now();
  const limitMs = 240000;
  process.stdout.write(`[api-check] Waiting for a healthy API server. This can take up to 4m0s\n`);
  while (Date.now() - started < limitMs) {
    if (exited) {
      const log = fs.readFileSync(hostPath(logFile('kube-apiserver')), 'utf8').trim().split('\n').slice(-5).join('\n');
      throw new Error(`kube-apiserver exited; last log lines:\n${log}`);
    }
    try {
      const r = await request(`${url}/livez`, { tls: { ca }, timeoutMs: 2000 });
      if (r.status === 200) {
        process.stdout.write(`[api-check] The API server is healthy after ${((Date.now() - started) / 1000).toFixed(3)}s\n`);
        return;
      }
    } catch { /* not up yet */ }
    await sleep(200);
  }
  throw new Error('[api-check] The API server is not healthy after 4m0s');
}

/**
 * True on a test host whose kubelet package (install-packages.sh) installed kubelet.service and
 * where a systemctl runs units: there kubeadm starts the kubelet as real kubeadm does ("systemctl
 * restart kubelet"; the unit's 10-kubeadm.conf drop-in reads /var/lib/kubelet/kubeadm-flags.env).
 * Never under STANDIN_ROOT (local tests must not touch the machine's init system).
 */
export function kubeletService() {
  if (standinRoot()) return false;
  const unit = ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'].some((d) => fs.existsSync(`${d}/kubelet.service`));
  const systemctl = (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(path.join(d, 'systemctl')));
  return unit && systemctl;
}

/**
 * Start the kubelet with args: through its systemd unit when there is one (kubeletService), else
 * detached: the installed kubelet (install-packages.sh) if there is one, else kubelet.mjs directly.
 */
export function startKubelet(args) {
  if (kubeletService()) {
    execFileSync('systemctl', ['daemon-reload'], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('systemctl', ['restart', 'kubelet'], { stdio: ['ignore', 'ignore', 'inherit'] });
    return null;
  }
  const installed = hostPath('/usr/local/bin/kubelet');
  if (fs.existsSync(installed)) return spawnDetached('kubelet', installed, args);
  return spawnDetached('kubelet', process.execPath, [path.join(KUBE_API, 'kubelet.mjs'), ...args]);
}

/** Stop the kubelet service (kubeadm reset's "Stopping the kubelet service"); detached ones go with stopAll. */
export function stopKubeletService() {
  if (kubeletService()) execFileSync('systemctl', ['stop', 'kubelet'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
