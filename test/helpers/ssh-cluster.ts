/**
 * Builds a bring-your-own-machines cluster file over real SSH test hosts, plus the air-gap directory
 * holding the k3s / kubeadm stand-ins that the bootstrap scripts upload and install.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Role } from '../../src/api/types.js';
import type { TestHost } from '../hosts/harness.js';
import { ROOT } from './cli.js';

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
      kubernetesVersion: '1.31',
      controlPlane: { count: count('controlplane') },
      workers: { count: count('worker') },
      etcd: { count: count('etcd') },
      airgap: { enabled: true, dir: o.airgapDir },
      machines: o.roles.map((role, i) => ({
        name: names[i],
        role,
        address: o.hosts[i]!.address,
        user: o.user ?? 'root',
        keyFile: o.keyFile,
        ...(o.pinHostKeys === false ? {} : { hostKey: o.hostKeys?.[i] ?? o.hosts[i]!.hostKeyPublic }),
      })),
    },
  });
}

/** The air-gap directory: k3s stand-in "binary" + install script stand-in (names the k3s scripts expect). */
export function airgapDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', [path.join(ROOT, 'test/standins/k3s/make-binary.sh'), path.join(dir, 'k3s'), 'v1.31.7+k3s1']);
  copyFileSync(path.join(ROOT, 'test/standins/k3s/install.sh'), path.join(dir, 'k3s-install.sh'));
  // etcd for air-gapped machines: a release-style tarball of the real Debian etcd binaries.
  const stage = path.join(dir, '.etcd-stage', 'etcd-v3.4-linux-amd64');
  mkdirSync(stage, { recursive: true });
  for (const bin of ['etcd', 'etcdctl']) copyFileSync(`/usr/bin/${bin}`, path.join(stage, bin));
  execFileSync('tar', ['-czf', path.join(dir, 'etcd-linux-amd64.tar.gz'), '-C', path.dirname(stage), path.basename(stage)]);
  return dir;
}

export function writeKey(dir: string, key: string): string {
  const file = path.join(dir, 'id_ed25519');
  writeFileSync(file, key, { mode: 0o600 });
  return file;
}
