/**
 * TEST STAND-IN for the kubeadm, kubelet and kubectl packages of pkgs.k8s.io, which an air-gapped kubeadm
 * upgrade installs from spec.airgap.dir (src/distro/scripts/kubeadm-upgrade.ts): real .deb files made with
 * Debian's `dpkg-deb` around the REAL binaries of scripts/build-kubernetes.sh, under the file names
 * pkgs.k8s.io gives them (`kubeadm_1.37.2-1.1_amd64.deb`). What they do not carry: the kubelet unit and
 * kubeadm's drop-in (test/hosts/kubeadm-node.sh installs those, as the real packages' first install would
 * have) and the packages' dependencies (cri-tools, kubernetes-cni).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { airgapPackageFile } from '../../src/distro/scripts/kubeadm-upgrade.js';
import { kubernetesDir } from './kubeadm-node.js';

/** Writes the three packages of `version` (`v1.37.2`) into `dir`; returns their file names. */
export function writeKubeadmDebs(dir: string, version: string): string[] {
  const patch = version.replace(/^v/, '');
  const work = mkdtempSync(path.join(os.tmpdir(), 'ksctl-debs-'));
  try {
    return (['kubeadm', 'kubelet', 'kubectl'] as const).map((pkg) => {
      const root = path.join(work, pkg);
      mkdirSync(path.join(root, 'DEBIAN'), { recursive: true });
      mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
      copyFileSync(path.join(kubernetesDir(version), pkg), path.join(root, 'usr/bin', pkg));
      chmodSync(path.join(root, 'usr/bin', pkg), 0o755);
      writeFileSync(
        path.join(root, 'DEBIAN/control'),
        [
          `Package: ${pkg}`,
          `Version: ${patch}-1.1`,
          'Architecture: amd64',
          'Maintainer: ksctl tests <tests@ksctl.invalid>',
          `Description: ${pkg} ${version} (TEST STAND-IN package around the real binary)`,
          '',
        ].join('\n'),
      );
      const file = airgapPackageFile(pkg, patch);
      execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z1', '--build', root, path.join(dir, file)], {
        stdio: 'ignore',
      });
      return file;
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
