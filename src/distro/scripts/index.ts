/** Every script the distribution controllers run, as pure data. */
export * from './types.js';
export { shellQuote, HOST_STATE_DIR, AIRGAP_DIR } from './common.js';
export * from './versions.js';
export * from './haproxy.js';
export * from './etcd.js';
export * from './k3s.js';
export * from './kubeadm-config.js';
export * from './kubeadm-install.js';
export * from './kubeadm.js';
