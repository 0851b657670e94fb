/**
 * Puts a renewed etcd client certificate (the API server's, `etcd-apiserver-client`) on one control
 * plane and restarts the API server onto it, then waits until it answers /readyz. The files are the
 * ones create installed: k3s's datastore files, kubeadm's /etc/kubernetes/pki/apiserver-etcd-client.*.
 */
import type { Distribution } from '../../api/types.js';
import { SECRET_NAMES, secretRef } from '../pki/names.js';
import { httpsUrl, makeScript, shellQuote } from './common.js';
import { API_PORT } from './haproxy.js';
import { K3S_BIN, K3S_ETCD_DIR, K3S_KUBECONFIG_PATH } from './k3s.js';
import { KUBEADM_ETCD_FILES } from './kubeadm-config.js';
import { KUBEADM_ADMIN_KUBECONFIG, KUBEADM_PKI_STAGING } from './kubeadm.js';
import type { Script, ScriptFile } from './types.js';

/** Where the API server reads its etcd client certificate and key on a control plane. */
export function apiServerEtcdClientPaths(distribution: Distribution): { cert: string; key: string } {
  return distribution === 'k3s'
    ? { cert: `${K3S_ETCD_DIR}/client.crt`, key: `${K3S_ETCD_DIR}/client.key` }
    : { cert: KUBEADM_ETCD_FILES.certFile, key: KUBEADM_ETCD_FILES.keyFile };
}

const KUBE_APISERVER_MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

/**
 * `node` names the control plane; `address` is its private address, where its own API server is asked
 * for /readyz (kubeadm's admin.conf points at the load balancer, which another control plane answers).
 */
export function apiServerEtcdClientScript(
  distribution: Distribution,
  node: string,
  address: string,
  timeoutSeconds = 600,
): Script {
  const p = apiServerEtcdClientPaths(distribution);
  const files: ScriptFile[] = [
    { path: p.cert, mode: 0o644, contentRef: secretRef(SECRET_NAMES.etcdClientCert) },
    { path: p.key, mode: 0o600, contentRef: secretRef(SECRET_NAMES.etcdClientKey) },
  ];
  if (distribution === 'kubeadm') {
    // kubeadm's join and reset paths copy from the staging directory: keep it the same.
    files.push(
      {
        path: `${KUBEADM_PKI_STAGING}/apiserver-etcd-client.crt`,
        mode: 0o644,
        contentRef: secretRef(SECRET_NAMES.etcdClientCert),
      },
      {
        path: `${KUBEADM_PKI_STAGING}/apiserver-etcd-client.key`,
        mode: 0o600,
        contentRef: secretRef(SECRET_NAMES.etcdClientKey),
      },
    );
  }
  const restart =
    distribution === 'k3s'
      ? [
          'systemctl restart k3s',
          `ready() { ${K3S_BIN} kubectl --kubeconfig ${K3S_KUBECONFIG_PATH} get --raw=/readyz >/dev/null; }`,
        ]
      : [
          // A static pod: the kubelet stops it when its manifest leaves the directory and starts it
          // again (reading the new files) when it comes back, as kubeadm's own renewal docs advise.
          `held=${shellQuote(`${KUBEADM_PKI_STAGING}/kube-apiserver.yaml.held`)}`,
          `if [ -e ${KUBE_APISERVER_MANIFEST} ]; then mv -f ${KUBE_APISERVER_MANIFEST} "$held"; fi`,
          // The container's process, as the host sees it (no crictl needed: kubeadm's hosts need not have
          // cri-tools). Only pgrep's "no process matched" (1) is gone; an error (2, 3) must not read as gone,
          // or the manifest would come back before the kubelet noticed.
          'gone() { local rc=0; pgrep -x kube-apiserver >/dev/null || rc=$?; [ "$rc" -eq 1 ]; }',
          'wait_for 120 2 "the old kube-apiserver to stop" gone',
          `mv -f "$held" ${KUBE_APISERVER_MANIFEST}`,
          `ready() { kubectl --kubeconfig ${KUBEADM_ADMIN_KUBECONFIG} --server ${shellQuote(httpsUrl(address, API_PORT))} get --raw=/readyz >/dev/null; }`,
        ];
  return makeScript({
    name: 'etcd-client-cert',
    description: `new etcd client certificate for the API server on ${node}`,
    files,
    body: [
      `require_file ${p.cert} ${p.key}`,
      ...(distribution === 'kubeadm'
        ? [
            // An interrupted earlier run may have left the manifest held back: put it in place first.
            `if [ ! -e ${KUBE_APISERVER_MANIFEST} ] && [ -e ${shellQuote(`${KUBEADM_PKI_STAGING}/kube-apiserver.yaml.held`)} ]; then`,
            `  mv -f ${shellQuote(`${KUBEADM_PKI_STAGING}/kube-apiserver.yaml.held`)} ${KUBE_APISERVER_MANIFEST}`,
            'fi',
          ]
        : []),
      ...restart,
      `if ! wait_for ${timeoutSeconds} 3 "the API server on ${node}" ready; then`,
      `  die "the API server on ${node} did not become ready with the new etcd client certificate"`,
      'fi',
      `log "API server on ${node} is ready with the new etcd client certificate"`,
    ],
  });
}
