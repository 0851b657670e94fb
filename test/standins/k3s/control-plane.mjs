// TEST STAND-IN support (not shipped): the REAL kube-apiserver, kube-controller-manager and
// kube-scheduler (v1.37.2, scripts/build-kubernetes.sh) with the arguments k3s gives its embedded
// ones (pkg/daemons/control/server.go): the apiserver on 127.0.0.1:<https-listen-port + 1> (6444)
// behind the supervisor's :6443, Node,RBAC authorization, NodeRestriction, request-header
// authentication for the supervisor's proxy, service accounts signed with server/tls/service.key,
// services in 10.43.0.0/16, node CIDRs from 10.42.0.0/16; `--kube-apiserver-arg` and friends are
// appended as k3s appends them. Lighter than k3s on two shared cores where nothing observable
// changes: controller-manager and scheduler serve no HTTPS (--secure-port=0), profiling is off.
import { hostPath } from './lib/paths.mjs';
import { request } from './lib/https-json.mjs';
import { kubeBin } from './binaries.mjs';
import { CLUSTER_CIDR, SERVICE_CIDR } from './certs.mjs';
import { startChild, waitFor } from './processes.mjs';

const extra = (list) => (list ?? []).map((a) => `--${String(a).replace(/^--/, '')}`);

/** opts: { f (flags), dataDir, advertise, advertisePort, apiPort, serverCAPem, etcd: { servers, ca?, cert?, key? }, certs } */
export async function startControlPlane(opts) {
  const { f, certs: c } = opts;
  const h = hostPath;
  const logDir = `${opts.dataDir}/server/logs`;
  const apiserver = startChild(
    'server',
    'kube-apiserver',
    kubeBin('kube-apiserver'),
    [
      // k3s also sets --advertise-port=6443, a flag only k3s's patched apiserver has; upstream's
      // therefore puts port 6444 into the `kubernetes` Service's endpoints.
      `--advertise-address=${opts.advertise}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${opts.apiPort}`,
      `--cert-dir=${h(`${opts.dataDir}/server/tls/temporary-certs`)}`,
      '--allow-privileged=true',
      '--anonymous-auth=false',
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      '--profiling=false',
      '--storage-backend=etcd3',
      `--etcd-servers=${opts.etcd.servers}`,
      ...(opts.etcd.ca
        ? [
            `--etcd-cafile=${h(opts.etcd.ca)}`,
            `--etcd-certfile=${h(opts.etcd.cert)}`,
            `--etcd-keyfile=${h(opts.etcd.key)}`,
          ]
        : []),
      `--client-ca-file=${h(c.clientCA)}`,
      `--tls-cert-file=${h(c.serving.crt)}`,
      `--tls-private-key-file=${h(c.serving.keyFile)}`,
      `--kubelet-certificate-authority=${h(c.serverCA)}`,
      `--kubelet-client-certificate=${h(c.apiserver.crt)}`,
      `--kubelet-client-key=${h(c.apiserver.keyFile)}`,
      // As k3s: reach kubelets (logs, exec) by the node's address; node names need not resolve.
      '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
      `--requestheader-client-ca-file=${h(c.requestHeaderCA)}`,
      '--requestheader-allowed-names=system:auth-proxy',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${h(c.authProxy.crt)}`,
      `--proxy-client-key-file=${h(c.authProxy.keyFile)}`,
      `--service-account-key-file=${h(c.serviceKey)}`,
      `--service-account-signing-key-file=${h(c.serviceKey)}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--api-audiences=https://kubernetes.default.svc.cluster.local,k3s',
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--service-node-port-range=30000-32767',
      // Local tests run servers on 127.0.11.x: the lease reconciler refuses a loopback advertise address.
      ...(/^127\./.test(opts.advertise) ? ['--endpoint-reconciler-type=none'] : []),
      ...extra(f['kube-apiserver-arg']),
    ],
    { logDir },
  );

  const local = `https://127.0.0.1:${opts.apiPort}`;
  await waitFor(
    'kube-apiserver /readyz',
    async () => {
      const r = await request(`${local}/readyz`, {
        tls: { ca: opts.serverCAPem, cert: c.admin.cert, key: c.admin.key },
        timeoutMs: 5000,
      });
      return r.status === 200 && r.body === 'ok';
    },
    { timeoutMs: 180_000, watch: [apiserver] },
  );

  const procs = [apiserver];
  if (!f['disable-controller-manager']) {
    procs.push(
      startChild(
        'server',
        'kube-controller-manager',
        kubeBin('kube-controller-manager'),
        [
          `--kubeconfig=${h(c.kubeconfig.controller)}`,
          `--authentication-kubeconfig=${h(c.kubeconfig.controller)}`,
          `--authorization-kubeconfig=${h(c.kubeconfig.controller)}`,
          '--secure-port=0',
          '--profiling=false',
          '--allocate-node-cidrs=true',
          `--cluster-cidr=${CLUSTER_CIDR}`,
          `--service-cluster-ip-range=${SERVICE_CIDR}`,
          `--root-ca-file=${h(c.serverCA)}`,
          `--service-account-private-key-file=${h(c.serviceKey)}`,
          '--use-service-account-credentials=true',
          `--cluster-signing-kube-apiserver-client-cert-file=${h(c.clientCA)}`,
          `--cluster-signing-kube-apiserver-client-key-file=${h(c.clientCAKey)}`,
          `--cluster-signing-kubelet-client-cert-file=${h(c.clientCA)}`,
          `--cluster-signing-kubelet-client-key-file=${h(c.clientCAKey)}`,
          `--cluster-signing-kubelet-serving-cert-file=${h(c.serverCA)}`,
          `--cluster-signing-kubelet-serving-key-file=${h(c.serverCAKey)}`,
          `--cluster-signing-legacy-unknown-cert-file=${h(c.serverCA)}`,
          `--cluster-signing-legacy-unknown-key-file=${h(c.serverCAKey)}`,
          // k3s also lists -service,-route,-cloud-node-lifecycle: 1.37's controller-manager no longer has
          // those (they live in the cloud controller manager) and refuses unknown names.
          '--controllers=*,tokencleaner',
          ...extra(f['kube-controller-manager-arg']),
        ],
        { logDir },
      ),
    );
  }
  if (!f['disable-scheduler']) {
    procs.push(
      startChild(
        'server',
        'kube-scheduler',
        kubeBin('kube-scheduler'),
        [
          `--kubeconfig=${h(c.kubeconfig.scheduler)}`,
          `--authentication-kubeconfig=${h(c.kubeconfig.scheduler)}`,
          `--authorization-kubeconfig=${h(c.kubeconfig.scheduler)}`,
          '--secure-port=0',
          '--profiling=false',
          ...extra(f['kube-scheduler-arg']),
        ],
        { logDir },
      ),
    );
  }
  return { local, procs };
}
