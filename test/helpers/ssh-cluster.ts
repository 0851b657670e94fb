/**
 * Builds a bring-your-own-machines cluster file over real SSH test hosts, plus the air-gap directory
 * holding the k3s / kubeadm stand-ins that the bootstrap scripts upload and install.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Role } from '../../src/api/types.js';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { etcdAirgapTarball } from '../../src/distro/scripts/etcd-install.js';
import type { KeyPair, TestHost } from '../hosts/harness.js';
import { ROOT } from './cli.js';
import { builtEtcd, builtEtcdRelease } from './etcd-release.js';

export interface ClusterFileOptions {
  name: string;
  distribution: 'k3s' | 'kubeadm';
  roles: Role[];
  hosts: TestHost[];
  keyFile: string;
  airgapDir: string;
  /** Omit host keys (pinned on first contact instead). */
  pinHostKeys?: boolean;
  hostKeys?: string[];
  user?: string;
  /** Default: the minor TEST_MINOR (installs its newest patch). */
  kubernetesVersion?: string;
  /**
   * spec.kubelet.allowCgroupV1; default true: the test hosts have no cgroup v2 hierarchy (this machine
   * runs v1, and their namespaces mount none), and the host preflight refuses that without the consent.
   */
  allowCgroupV1?: boolean;
  /** spec.airgap.images: image archives (file names in airgapDir) imported on every node. */
  airgapImages?: string[];
  /** spec.kubeadm.packageRepository.url: a mirror of pkgs.k8s.io the hosts reach (test/helpers/apt-mirror.ts). */
  kubeadmPackageRepository?: string;
  /**
   * spec.nodePools (their counts left to ksctl: the workers listed with each) and each worker's pool by
   * machine name (spec.machines[].pool; unlisted workers are in the default pool).
   */
  pools?: { nodePools: Record<string, unknown>[]; of: Record<string, string> };
}

/** The minor the SSH e2e clusters ask for; what it installs is read back from the machines. */
export const TEST_MINOR = '1.37';

/** What the stand-in upstream feeds name for a k3s channel or a kubeadm per-minor repository. */
export function upstreamRelease(kind: 'k3s-channel' | 'kubernetes-repo', name: string): string {
  return execFileSync('sh', [path.join(ROOT, 'test/standins/upstream/upstream.sh'), kind, name], {
    encoding: 'utf8',
  }).trim();
}

export function roleNames(roles: Role[]): string[] {
  const seen: Record<string, number> = {};
  const short: Record<Role, string> = { loadbalancer: 'lb', etcd: 'etcd', controlplane: 'cp', worker: 'w' };
  return roles.map((r) => `${short[r]}-${(seen[r] = (seen[r] ?? -1) + 1)}`);
}

export function clusterFile(o: ClusterFileOptions): string {
  const names = roleNames(o.roles);
  const count = (r: Role) => o.roles.filter((x) => x === r).length;
  return stringify({
    apiVersion: 'ksctl.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name: o.name },
    spec: {
      provider: 'ssh',
      type: 'selfmanaged',
      distribution: o.distribution,
      kubernetesVersion: o.kubernetesVersion ?? TEST_MINOR,
      controlPlane: { count: count('controlplane') },
      // With pools, ksctl counts each pool (the default one is spec.workers) from the machines listed with it.
      ...(o.pools ? { nodePools: o.pools.nodePools } : { workers: { count: count('worker') } }),
      etcd: { count: count('etcd'), ...(count('etcd') > 0 ? { release: builtEtcdRelease() } : {}) },
      airgap: { enabled: true, dir: o.airgapDir, ...(o.airgapImages ? { images: o.airgapImages } : {}) },
      kubelet: { allowCgroupV1: o.allowCgroupV1 ?? true },
      ...(o.kubeadmPackageRepository ? { kubeadm: { packageRepository: { url: o.kubeadmPackageRepository } } } : {}),
      machines: o.roles.map((role, i) => ({
        name: names[i],
        role,
        ...(o.pools?.of[names[i]!] ? { pool: o.pools.of[names[i]!] } : {}),
        address: o.hosts[i]!.address,
        user: o.user ?? 'root',
        keyFile: o.keyFile,
        ...(o.pinHostKeys === false ? {} : { hostKey: o.hostKeys?.[i] ?? o.hosts[i]!.hostKeyPublic }),
      })),
    },
  });
}

/**
 * The air-gap directory: k3s stand-in "binary" + install script stand-in (names the k3s scripts
 * expect), the etcd tarball, and the flannel manifest stand-in for kubeadm clusters. The k3s binary
 * is the release a user downloading for `k3sVersion` gets: by default the newest of the TEST_MINOR
 * channel (what the stand-in channel server names).
 */
export function airgapDir(dir: string, k3sVersion = upstreamRelease('k3s-channel', `v${TEST_MINOR}`)): string {
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', [path.join(ROOT, 'test/standins/k3s/make-binary.sh'), path.join(dir, 'k3s'), k3sVersion]);
  copyFileSync(path.join(ROOT, 'test/standins/k3s/install.sh'), path.join(dir, 'k3s-install.sh'));
  // etcd for air-gapped machines: upstream etcd built from the Go module proxy, in its release tarball.
  const etcd = builtEtcd();
  copyFileSync(etcd.tarball, path.join(dir, etcdAirgapTarball(etcd)));
  // The CNI manifest kubeadm clusters apply (air-gapped: uploaded from here).
  writeFileSync(path.join(dir, 'kube-flannel.yml'), FLANNEL_STANDIN_MANIFEST);
  return dir;
}

/**
 * TEST STAND-IN for flannel v0.26.1's kube-flannel.yml: the same objects (namespace, RBAC, service
 * account, the kube-flannel-cfg ConfigMap with the pod network ksctl rewrites, the DaemonSet), trimmed.
 * Nothing runs the DaemonSet (the stand-in API server has no workload controllers); kubectl applies
 * it for real.
 */
export const FLANNEL_STANDIN_MANIFEST = `# kube-flannel.yml TEST STAND-IN (trimmed copy of flannel v0.26.1's manifest; no pods run)
apiVersion: v1
kind: Namespace
metadata:
  name: kube-flannel
  labels:
    k8s-app: flannel
    pod-security.kubernetes.io/enforce: privileged
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  labels:
    k8s-app: flannel
  name: flannel
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get]
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [nodes/status]
  verbs: [patch]
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  labels:
    k8s-app: flannel
  name: flannel
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: flannel
subjects:
- kind: ServiceAccount
  name: flannel
  namespace: kube-flannel
---
apiVersion: v1
kind: ServiceAccount
metadata:
  labels:
    k8s-app: flannel
  name: flannel
  namespace: kube-flannel
---
kind: ConfigMap
apiVersion: v1
metadata:
  name: kube-flannel-cfg
  namespace: kube-flannel
  labels:
    tier: node
    k8s-app: flannel
    app: flannel
data:
  cni-conf.json: |
    {
      "name": "cbr0",
      "cniVersion": "0.3.1",
      "plugins": [
        {"type": "flannel", "delegate": {"hairpinMode": true, "isDefaultGateway": true}},
        {"type": "portmap", "capabilities": {"portMappings": true}}
      ]
    }
  net-conf.json: |
    {
      "Network": "10.244.0.0/16",
      "EnableNFTables": false,
      "Backend": {
        "Type": "vxlan"
      }
    }
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-flannel-ds
  namespace: kube-flannel
  labels:
    tier: node
    app: flannel
    k8s-app: flannel
spec:
  selector:
    matchLabels:
      app: flannel
  template:
    metadata:
      labels:
        tier: node
        app: flannel
    spec:
      hostNetwork: true
      priorityClassName: system-node-critical
      tolerations:
      - operator: Exists
        effect: NoSchedule
      serviceAccountName: flannel
      containers:
      - name: kube-flannel
        image: docker.io/flannel/flannel:v0.26.1
        command: [/opt/bin/flanneld]
        args: [--ip-masq, --kube-subnet-mgr]
        volumeMounts:
        - name: flannel-cfg
          mountPath: /etc/kube-flannel/
      volumes:
      - name: flannel-cfg
        configMap:
          name: kube-flannel-cfg
`;

/**
 * Host keys for startHosts({ hostKey }) made with ksctl's own generator, which rejects the ~1 in 256
 * ed25519 keys ssh2 1.17 emits unparseable (sshd then refuses to start: "error in libcrypto").
 */
export function validHostKeys(n: number): KeyPair[] {
  return Array.from({ length: n }, () => {
    const k = generateSshKeyPair();
    return { private: k.privateKey, public: k.publicKey };
  });
}

export function writeKey(dir: string, key: string): string {
  const file = path.join(dir, 'id_ed25519');
  writeFileSync(file, key, { mode: 0o600 });
  return file;
}
