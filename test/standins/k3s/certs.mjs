// TEST STAND-IN support (not shipped): the certificates, keys and kubeconfigs a k3s server writes
// under <data-dir>/server/{tls,cred}, with k3s's file names and subjects (pkg/daemons/control/deps):
//   serving-kube-apiserver   serving cert of :6443 and of the apiserver on 127.0.0.1:6444 (server CA)
//   client-admin             CN=system:admin, O=system:masters (k3s.yaml, cred/admin.kubeconfig)
//   client-controller        CN=system:kube-controller-manager (cred/controller.kubeconfig)
//   client-scheduler         CN=system:kube-scheduler (cred/scheduler.kubeconfig)
//   client-kube-apiserver    CN=system:apiserver, O=system:masters (apiserver → kubelet)
//   client-auth-proxy        CN=system:auth-proxy, request-header CA (the supervisor's proxy identity)
//   service.key              service-account signing key (bootstrap data, the same on every server)
// The component kubeconfigs point at the apiserver's own port (127.0.0.1:6444), as k3s's do.
import path from 'node:path';
import { issue } from './lib/pki.mjs';
import { writeFile, exists, readFile } from './lib/paths.mjs';
import { writeKubeconfig } from './lib/kubeconfig.mjs';

/** In-cluster names and the first service IP, as in k3s's defaults (service CIDR 10.43.0.0/16). */
export const SERVICE_CIDR = '10.43.0.0/16';
export const CLUSTER_CIDR = '10.42.0.0/16';
export const CLUSTER_DNS = '10.43.0.10';
const KUBERNETES_SERVICE_IP = '10.43.0.1';

function servingSANs(tlsSans, nodeName, ips) {
  return [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    'localhost',
    '127.0.0.1',
    '::1',
    KUBERNETES_SERVICE_IP,
    nodeName,
    ...ips,
    ...tlsSans,
  ];
}

/** Issue one pair unless it is already on disk (a restart keeps its certificates, as k3s does). */
function pair(tlsDir, name, ca, subj, opts) {
  const crt = path.join(tlsDir, `${name}.crt`);
  const key = path.join(tlsDir, `${name}.key`);
  if (!opts.reissue && exists(crt) && exists(key))
    return { cert: readFile(crt), key: readFile(key), crt, keyFile: key };
  const p = issue(ca, subj, opts);
  writeFile(crt, p.cert, 0o644);
  writeFile(key, p.key, 0o600);
  return { ...p, crt, keyFile: key };
}

/**
 * Write every server certificate and kubeconfig. b: bootstrap data (CAs + service key);
 * o: { dataDir, nodeName, ips, tlsSans, apiPort }. Returns the paths the components need.
 */
export function writeServerCerts(b, o) {
  const tls = `${o.dataDir}/server/tls`;
  const cred = `${o.dataDir}/server/cred`;
  // The serving cert follows --tls-san and the node IPs: reissued on every start like k3s's dynamiclistener.
  const serving = pair(
    tls,
    'serving-kube-apiserver',
    b.serverCA,
    { cn: 'kube-apiserver' },
    { sans: servingSANs(o.tlsSans, o.nodeName, o.ips), usage: 'server', reissue: true },
  );
  const admin = pair(
    tls,
    'client-admin',
    b.clientCA,
    { cn: 'system:admin', o: ['system:masters'] },
    { usage: 'client' },
  );
  const controller = pair(
    tls,
    'client-controller',
    b.clientCA,
    { cn: 'system:kube-controller-manager' },
    { usage: 'client' },
  );
  const scheduler = pair(tls, 'client-scheduler', b.clientCA, { cn: 'system:kube-scheduler' }, { usage: 'client' });
  const apiserver = pair(
    tls,
    'client-kube-apiserver',
    b.clientCA,
    { cn: 'system:apiserver', o: ['system:masters'] },
    { usage: 'client' },
  );
  const authProxy = pair(tls, 'client-auth-proxy', b.requestHeaderCA, { cn: 'system:auth-proxy' }, { usage: 'client' });
  writeFile(`${tls}/service.key`, b.serviceKey.key, 0o600);
  const local = `https://127.0.0.1:${o.apiPort}`;
  const kc = (name, p) => {
    writeKubeconfig(`${cred}/${name}.kubeconfig`, { server: local, ca: b.serverCA.cert, cert: p.cert, key: p.key });
    return `${cred}/${name}.kubeconfig`;
  };
  return {
    serving,
    admin,
    authProxy,
    apiserver,
    serverCA: `${tls}/server-ca.crt`,
    serverCAKey: `${tls}/server-ca.key`,
    clientCA: `${tls}/client-ca.crt`,
    clientCAKey: `${tls}/client-ca.key`,
    requestHeaderCA: `${tls}/request-header-ca.crt`,
    serviceKey: `${tls}/service.key`,
    kubeconfig: {
      admin: kc('admin', admin),
      controller: kc('controller', controller),
      scheduler: kc('scheduler', scheduler),
    },
  };
}
