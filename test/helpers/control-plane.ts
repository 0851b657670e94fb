/**
 * A real Kubernetes control plane on loopback for API-level tests: upstream etcd 3.6
 * (scripts/build-etcd.sh), kube-apiserver, kube-controller-manager and kube-scheduler v1.37.2
 * (scripts/build-kubernetes.sh), optionally kwok (scripts/build-kwok.sh) managing simulated nodes. Free
 * loopback ports, one temp directory (certs, data, logs), an admin kubeconfig; ready when /readyz answers.
 * Start it in beforeAll and stop it in afterAll: stop() kills everything and removes the directory (kept
 * with KSCTL_TEST_KEEP=1), whatever the tests did.
 *
 * Lean for two shared cores, where it departs from the components' defaults:
 * - etcd runs with --unsafe-no-fsync: the data is thrown away, and fsync on a busy disk dominates writes.
 * - etcd listens on plain HTTP on 127.0.0.1 only (no peers, nothing else reaches it).
 * - controller-manager and scheduler serve no HTTPS (--secure-port=0; nothing scrapes them) and do not
 *   elect a leader (one instance).
 * - controller-manager may send 500 requests/s (burst 1,000) instead of 20 (30). The node lifecycle
 *   controller lifts each new node's not-ready:NoSchedule taint with about four requests (GET, PATCH and
 *   retries on conflict with kwok's status updates); until then no pod lands there. Measured with 1,000
 *   kwok nodes: all schedulable 43 s after creation at 100/s, 10 s at 500/s (at the default 20/s, some
 *   200 s). kwokctl lifts these limits as well.
 * Everything else (admission plugins, RBAC, priority and fairness, every controller) is upstream's default.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { builtEtcd } from './etcd-release.js';
import { SERVICE_CIDR, writeControlPlanePki } from './control-plane-pki.js';
import { freeLoopbackPort, peakRssKiB, startDaemon, stopDaemon, waitUntil, type Daemon } from './daemons.js';
import { kubeBinary, kwokBinary } from './kube-binaries.js';

const run = promisify(execFile);

export interface ControlPlaneOptions {
  /** Run kwok with --manage-all-nodes (every Node object becomes a simulated, Ready node). */
  kwok?: boolean;
  /** How long etcd and the API server may take to answer (default 90 s: the machine is shared). */
  startTimeoutMs?: number;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  /** An admin (system:masters) kubeconfig for `server`. */
  kubeconfig: string;
  dir: string;
  /** From the first process started to /readyz answering `ok` (and kwok started, if asked for). */
  startMs: number;
  /** The real kubectl against this control plane; rejects with its stderr on a non-zero exit. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** A GET against the API server as the admin, parsed as JSON. */
  getJson<T>(apiPath: string): Promise<T>;
  /**
   * A POST of a JSON object as the admin; rejects unless 201/200. For bulk creation: kubectl sends at
   * most 5 requests/s (client-go's default; kubectl raises only discovery's), 200 s for 1,000 objects.
   */
  postJson(apiPath: string, body: object): Promise<void>;
  /** The running processes: pass them to waitUntil so a wait fails at once, with the log, if one dies. */
  daemons: readonly Daemon[];
  /** Peak resident memory per process so far, in KiB. */
  peakMemoryKiB(): Record<string, number>;
  stop(): Promise<void>;
}

interface ApiResponse {
  status: number;
  body: string;
}

/** One HTTPS request as the admin; keep-alive, so bulk requests reuse connections. */
function apiRequest(
  agent: Agent,
  server: string,
  method: string,
  apiPath: string,
  body?: string,
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = request(new URL(apiPath, server), { method, agent, headers, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${apiPath}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const timeout = opts.startTimeoutMs ?? 90_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-cp-'));
  const daemons: Daemon[] = [];
  const peaks: Record<string, number> = {};
  const recordPeaks = () => {
    for (const d of daemons) {
      const kib = peakRssKiB(d);
      if (kib !== undefined) peaks[d.name] = Math.max(peaks[d.name] ?? 0, kib);
    }
  };
  let stopped = false;
  let onStop = () => {};
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    onStop();
    recordPeaks();
    // Reverse order: clients first, etcd last, so nothing logs a storm of connection errors.
    for (const d of [...daemons].reverse()) await stopDaemon(d);
    if (process.env.KSCTL_TEST_KEEP) console.error(`kept control plane directory ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };

  try {
    const t0 = Date.now();
    const [etcdClient, etcdPeer, apiPort] = [
      await freeLoopbackPort(),
      await freeLoopbackPort(),
      await freeLoopbackPort(),
    ];
    const server = `https://127.0.0.1:${apiPort}`;
    const pki = await writeControlPlanePki(dir, server);
    const agent = new Agent({ ...pki.pem, keepAlive: true, maxSockets: 16 });
    const call = (method: string, apiPath: string, body?: string) => apiRequest(agent, server, method, apiPath, body);
    onStop = () => agent.destroy();
    const logs = path.join(dir, 'logs');
    mkdirSync(logs);

    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcd = startDaemon(
      'etcd',
      path.join(builtEtcd().binDir, 'etcd'),
      [
        '--name=cp',
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=cp=${peerUrl}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      logs,
    );
    daemons.push(etcd);

    const apiserver = startDaemon(
      'kube-apiserver',
      kubeBinary('kube-apiserver'),
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
        `--tls-cert-file=${pki.servingCert}`,
        `--tls-private-key-file=${pki.servingKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        // The lease reconciler refuses a loopback advertise address; nothing here reaches the API through the
        // `kubernetes` Service (kwok's pods run nothing), so it gets no endpoints.
        '--endpoint-reconciler-type=none',
        '--authorization-mode=RBAC',
        '--allow-privileged=true',
        '--profiling=false',
      ],
      logs,
    );
    daemons.push(apiserver);

    const ready = async () => {
      const r = await call('GET', '/readyz');
      return r.status === 200 && r.body === 'ok';
    };
    await waitUntil('kube-apiserver /readyz', ready, timeout, [etcd, apiserver]);

    const common = [`--kubeconfig=${pki.kubeconfig}`, '--leader-elect=false', '--secure-port=0'];
    daemons.push(
      startDaemon(
        'kube-controller-manager',
        kubeBinary('kube-controller-manager'),
        [
          ...common,
          `--service-account-private-key-file=${pki.serviceAccountKey}`,
          `--root-ca-file=${pki.caCert}`,
          '--kube-api-qps=500',
          '--kube-api-burst=1000',
        ],
        logs,
      ),
    );
    daemons.push(startDaemon('kube-scheduler', kubeBinary('kube-scheduler'), common, logs));
    if (opts.kwok) {
      const kwok = kwokBinary();
      daemons.push(
        startDaemon(
          'kwok',
          kwok.bin,
          [`--kubeconfig=${pki.kubeconfig}`, `--config=${kwok.stages}`, '--manage-all-nodes'],
          logs,
        ),
      );
    }
    const startMs = Date.now() - t0;

    const kubectl = async (args: string[], input?: string) => {
      const child = run(kubeBinary('kubectl'), [`--kubeconfig=${pki.kubeconfig}`, ...args], {
        maxBuffer: 256 * 1024 * 1024,
      });
      child.child.stdin?.end(input ?? ''); // a kubectl reading `-f -` without input must not wait
      try {
        return (await child).stdout;
      } catch (e) {
        const err = e as Error & { stderr?: string };
        throw new Error(`kubectl ${args.join(' ')}: ${err.stderr?.trim() || err.message}`, { cause: e });
      }
    };
    const getJson = async <T>(apiPath: string): Promise<T> => {
      const r = await call('GET', apiPath);
      if (r.status !== 200) throw new Error(`GET ${apiPath}: HTTP ${r.status}: ${r.body.slice(0, 500)}`);
      return JSON.parse(r.body) as T;
    };
    const postJson = async (apiPath: string, body: object) => {
      const r = await call('POST', apiPath, JSON.stringify(body));
      if (r.status !== 201 && r.status !== 200)
        throw new Error(`POST ${apiPath}: HTTP ${r.status}: ${r.body.slice(0, 500)}`);
    };
    const peakMemoryKiB = () => {
      recordPeaks();
      return { ...peaks };
    };
    return {
      server,
      kubeconfig: pki.kubeconfig,
      dir,
      startMs,
      kubectl,
      getJson,
      postJson,
      daemons,
      peakMemoryKiB,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
