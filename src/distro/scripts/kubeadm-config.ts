/**
 * kubeadm configuration files, kubeadm.k8s.io/v1beta4 (the only version kubeadm 1.37 reads; v1beta3 was
 * removed there): Init/Join/ClusterConfiguration and the kubelet's KubeletConfiguration, with fields
 * checked against cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go and k8s.io/kubelet/config/v1beta1 at
 * v1.37.2. Rendered without secrets: the bootstrap token and certificate key are placeholders that the
 * script replaces from its environment on the machine, inside bash, so they never reach a command line
 * or `body`.
 */
import { toYaml } from '../../util/yaml-write.js';
import { InputError } from '../../errors.js';
import { API_PORT } from './haproxy.js';
import { etcdClientUrls } from './etcd.js';
import { hostPort } from './common.js';
import { labelArgs, lbSans, validateNodeInput } from './node.js';
import { installTarget } from './versions.js';
import type { KubeadmJoinInput, KubeadmNodeInput, NodeInput } from './types.js';

export const TOKEN_PLACEHOLDER = '__KSCTL_KUBEADM_TOKEN__';
export const CERT_KEY_PLACEHOLDER = '__KSCTL_KUBEADM_CERT_KEY__';
/** Replaced on the machine by the installed kubeadm's own version (`kubeadm version -o short`). */
export const VERSION_PLACEHOLDER = '__KSCTL_KUBERNETES_VERSION__';
export const CRI_SOCKET = 'unix:///run/containerd/containerd.sock';
export const DEFAULT_POD_SUBNET = '10.244.0.0/16';
export const DEFAULT_SERVICE_SUBNET = '10.96.0.0/12';

/** Where kubeadm (and the API server) find the external etcd client material. */
export const KUBEADM_ETCD_FILES = {
  caFile: '/etc/kubernetes/pki/etcd/ca.crt',
  certFile: '/etc/kubernetes/pki/apiserver-etcd-client.crt',
  keyFile: '/etc/kubernetes/pki/apiserver-etcd-client.key',
} as const;

const API = 'kubeadm.k8s.io/v1beta4';

/** v1beta4's `extraArgs` / `kubeletExtraArgs` entry (a list, so a flag may repeat; v1beta3 had a map). */
export interface KubeadmArg {
  name: string;
  value: string;
}

function controlPlaneEndpoint(input: NodeInput): string {
  return hostPort(input.loadBalancer.address, input.loadBalancer.port ?? API_PORT);
}

/**
 * Per-node kubelet flags. `provider-id` is a flag, not a KubeletConfiguration field, because kubeadm
 * shares one KubeletConfiguration across the cluster (the kubelet-config ConfigMap) while the ID is
 * this node's own; the kubelet keeps the flag undeprecated for that reason.
 */
function kubeletExtraArgs(input: NodeInput): KubeadmArg[] {
  const labels = labelArgs(input.registration);
  return [
    { name: 'node-ip', value: input.node.address },
    { name: 'provider-id', value: input.providerId },
    // A worker's pool labels: the kubelet registers its Node with them (taints: nodeRegistration.taints).
    ...(labels.length > 0 ? [{ name: 'node-labels', value: labels.join(',') }] : []),
  ];
}

/**
 * With the cgroup v1 consent, kubeadm's SystemVerification preflight check is skipped too: kubeadm ≥ 1.35
 * fails it on a cgroup v1 host even when the kubelet accepts one ("To explicitly enable cgroups v1 support
 * ... you must set the kubelet configuration option 'FailCgroupV1' to 'false'. You must also explicitly
 * skip this validation."). Only that check: every other preflight error still stops init/join.
 */
function nodeRegistration(input: NodeInput, ignore: readonly string[] = []): Record<string, unknown> {
  const ignored = [...(input.kubelet?.allowCgroupV1 ? ['SystemVerification'] : []), ...ignore];
  return {
    name: input.node.name,
    criSocket: CRI_SOCKET,
    kubeletExtraArgs: kubeletExtraArgs(input),
    // kubeadm writes these as the kubelet's --register-with-taints (a worker's pool taints).
    ...(input.registration && input.registration.taints.length > 0
      ? {
          taints: input.registration.taints.map((t) => ({
            key: t.key,
            ...(t.value ? { value: t.value } : {}),
            effect: t.effect,
          })),
        }
      : {}),
    ...(ignored.length > 0 ? { ignorePreflightErrors: ignored } : {}),
  };
}

/**
 * kubeadm's own waits (v1beta4 `timeouts`; defaults 4m for the kubelet and the control-plane
 * components, 5m for the TLS bootstrap) follow ksctl's node timeout, so a slow machine pulling images
 * is not failed by kubeadm before ksctl would give up on it. Discovery keeps kubeadm's 5m: a stale
 * token should fail fast, ksctl re-mints it.
 */
function timeouts(input: NodeInput, kind: 'init' | 'join-cp' | 'join-worker'): Record<string, string> {
  const t = `${input.timeoutSeconds ?? 600}s`;
  if (kind === 'join-worker') return { kubeletHealthCheck: t, tlsBootstrap: t };
  if (kind === 'join-cp') return { controlPlaneComponentHealthCheck: t, kubeletHealthCheck: t, tlsBootstrap: t };
  return { controlPlaneComponentHealthCheck: t, kubeletHealthCheck: t };
}

/**
 * The cluster-wide KubeletConfiguration (kubeadm uploads it; joining nodes download it). kubelet ≥ 1.35
 * refuses cgroup v1 hosts (`failCgroupV1` defaults to true); the spec's `kubelet.allowCgroupV1` is the
 * operator's explicit consent to run there anyway.
 */
export function kubeletConfiguration(input: NodeInput): Record<string, unknown> {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
    ...(input.kubelet?.allowCgroupV1 ? { failCgroupV1: false } : {}),
  };
}

function checkTtl(ttl: string): string {
  if (!/^\d+[hms]$/.test(ttl))
    throw new InputError(`token TTL "${ttl}" must look like 24h, 90m or 3600s`, ['tokenTtl']);
  return ttl;
}

function checkCidr(cidr: string, field: string): string {
  if (!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(cidr)) throw new InputError(`${field} "${cidr}" is not a CIDR`, [field]);
  return cidr;
}

/**
 * The pinned `v1.x.y`, or for a minor the placeholder the script fills with the version of the kubeadm
 * installed on the machine (the newest patch when it was installed), so the control plane it starts
 * is the release of the kubeadm and kubelet beside it.
 */
export function kubeadmKubernetesVersion(input: NodeInput): string {
  const target = installTarget('kubeadm', input.kubernetesVersion);
  return target.pinned ? `v${target.pinned}` : VERSION_PLACEHOLDER;
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
    nodeRegistration: nodeRegistration(input, input.ignorePreflightErrors),
    timeouts: timeouts(input, 'init'),
  };
  const cluster = {
    apiVersion: API,
    kind: 'ClusterConfiguration',
    clusterName: input.cluster,
    kubernetesVersion: kubeadmKubernetesVersion(input),
    controlPlaneEndpoint: controlPlaneEndpoint(input),
    apiServer: { certSANs: lbSans(input.loadBalancer) },
    etcd:
      etcd.length > 0
        ? { external: { endpoints: etcdClientUrls(etcd), ...KUBEADM_ETCD_FILES } }
        : { local: { dataDir: '/var/lib/etcd' } },
    networking: {
      podSubnet: checkCidr(input.podSubnet ?? DEFAULT_POD_SUBNET, 'podSubnet'),
      serviceSubnet: checkCidr(input.serviceSubnet ?? DEFAULT_SERVICE_SUBNET, 'serviceSubnet'),
    },
  };
  return [init, cluster, kubeletConfiguration(input)].map(toYaml).join('---\n');
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
      bootstrapToken: {
        apiServerEndpoint: controlPlaneEndpoint(input),
        token: TOKEN_PLACEHOLDER,
        caCertHashes: [input.caCertHash],
      },
    },
    nodeRegistration: nodeRegistration(input),
    timeouts: timeouts(input, controlPlane ? 'join-cp' : 'join-worker'),
  };
  if (controlPlane) {
    join.controlPlane = {
      localAPIEndpoint: { advertiseAddress: input.node.address, bindPort: API_PORT },
      certificateKey: CERT_KEY_PLACEHOLDER,
    };
  }
  return toYaml(join);
}
