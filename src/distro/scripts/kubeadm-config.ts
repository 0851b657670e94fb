/**
 * kubeadm configuration files (kubeadm.k8s.io/v1beta3, accepted by kubeadm 1.29–1.32). Rendered
 * without secrets: the bootstrap token and certificate key are placeholders that the script replaces
 * from its environment on the machine, inside bash, so they never reach a command line or `body`.
 */
import { toYaml } from '../../util/yaml-write.js';
import { InputError } from '../../errors.js';
import { API_PORT } from './haproxy.js';
import { etcdClientUrls } from './etcd.js';
import { hostPort } from './common.js';
import { lbSans, validateNodeInput } from './node.js';
import { resolveVersion } from './versions.js';
import type { KubeadmJoinInput, KubeadmNodeInput, NodeInput } from './types.js';

export const TOKEN_PLACEHOLDER = '__KSCTL_KUBEADM_TOKEN__';
export const CERT_KEY_PLACEHOLDER = '__KSCTL_KUBEADM_CERT_KEY__';
export const CRI_SOCKET = 'unix:///run/containerd/containerd.sock';
export const DEFAULT_POD_SUBNET = '10.244.0.0/16';
export const DEFAULT_SERVICE_SUBNET = '10.96.0.0/12';

/** Where kubeadm (and the API server) find the external etcd client material. */
export const KUBEADM_ETCD_FILES = {
  caFile: '/etc/kubernetes/pki/etcd/ca.crt',
  certFile: '/etc/kubernetes/pki/apiserver-etcd-client.crt',
  keyFile: '/etc/kubernetes/pki/apiserver-etcd-client.key',
} as const;

const API = 'kubeadm.k8s.io/v1beta3';

function controlPlaneEndpoint(input: NodeInput): string {
  return hostPort(input.loadBalancer.address, input.loadBalancer.port ?? API_PORT);
}

function nodeRegistration(input: NodeInput): Record<string, unknown> {
  return { name: input.node.name, criSocket: CRI_SOCKET, kubeletExtraArgs: { 'node-ip': input.node.address } };
}

function checkTtl(ttl: string): string {
  if (!/^\d+[hms]$/.test(ttl)) throw new InputError(`token TTL "${ttl}" must look like 24h, 90m or 3600s`, ['tokenTtl']);
  return ttl;
}

function checkCidr(cidr: string, field: string): string {
  if (!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(cidr)) throw new InputError(`${field} "${cidr}" is not a CIDR`, [field]);
  return cidr;
}

/** The pinned `v1.x.y` kubeadm installs. */
export function kubeadmKubernetesVersion(input: NodeInput): string {
  return `v${resolveVersion('kubeadm', input.kubernetesVersion)}`;
}

/** InitConfiguration + ClusterConfiguration + KubeletConfiguration for the first control plane. */
export function kubeadmInitConfig(input: KubeadmNodeInput): string {
  validateNodeInput(input);
  const etcd = input.etcd ?? [];
  const init = {
    apiVersion: API,
    kind: 'InitConfiguration',
    bootstrapTokens: [
      {
        token: TOKEN_PLACEHOLDER,
        ttl: checkTtl(input.tokenTtl ?? '24h'),
        description: 'ksctl bootstrap token',
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
        usages: ['signing', 'authentication'],
      },
    ],
    certificateKey: CERT_KEY_PLACEHOLDER,
    localAPIEndpoint: { advertiseAddress: input.node.address, bindPort: API_PORT },
    nodeRegistration: nodeRegistration(input),
  };
  const cluster = {
    apiVersion: API,
    kind: 'ClusterConfiguration',
    clusterName: input.cluster,
    kubernetesVersion: kubeadmKubernetesVersion(input),
    controlPlaneEndpoint: controlPlaneEndpoint(input),
    apiServer: { certSANs: lbSans(input.loadBalancer) },
    etcd: etcd.length > 0 ? { external: { endpoints: etcdClientUrls(etcd), ...KUBEADM_ETCD_FILES } } : { local: { dataDir: '/var/lib/etcd' } },
    networking: {
      podSubnet: checkCidr(input.podSubnet ?? DEFAULT_POD_SUBNET, 'podSubnet'),
      serviceSubnet: checkCidr(input.serviceSubnet ?? DEFAULT_SERVICE_SUBNET, 'serviceSubnet'),
    },
  };
  const kubelet = { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', cgroupDriver: 'systemd' };
  return [init, cluster, kubelet].map((d) => toYaml(d)).join('---\n');
}

/** JoinConfiguration for a control plane (`certificateKey` set) or a worker. */
export function kubeadmJoinConfig(input: KubeadmJoinInput, controlPlane: boolean): string {
  validateNodeInput(input);
  if (!/^sha256:[0-9a-f]{64}$/.test(input.caCertHash)) {
    throw new InputError('caCertHash must be "sha256:" and 64 lowercase hex digits', ['caCertHash']);
  }
  const join: Record<string, unknown> = {
    apiVersion: API,
    kind: 'JoinConfiguration',
    discovery: {
      bootstrapToken: { apiServerEndpoint: controlPlaneEndpoint(input), token: TOKEN_PLACEHOLDER, caCertHashes: [input.caCertHash] },
    },
    nodeRegistration: nodeRegistration(input),
  };
  if (controlPlane) {
    join.controlPlane = { localAPIEndpoint: { advertiseAddress: input.node.address, bindPort: API_PORT }, certificateKey: CERT_KEY_PLACEHOLDER };
  }
  return toYaml(join);
}
