/**
 * kubeadm packages through apt from a mirror of pkgs.k8s.io (spec.kubeadm.packageRepository), for real: a
 * signed Debian repository in pkgs.k8s.io's per-minor layout, built on the bench with Debian's tools and
 * served over HTTP from the test process (test/helpers/apt-mirror.ts), as Artifactory, Nexus or aptly serve
 * one inside a network without internet. The cluster is otherwise air-gapped (images and the CNI manifest
 * from spec.airgap.dir, pkgs.k8s.io unreachable), the smallest kubeadm shape: 1 load balancer, 3 external
 * etcd members, 1 control plane. The control plane has no kubeadm or kubelet before create (only containerd
 * and the units, test/hosts/kubeadm-node.sh), so create installs v1.36's newest patch from the mirror; then
 * `ksctl upgrade cluster --k8s-version 1.37` (a minor: the mirror's newest patch) moves apt to the v1.37
 * repository and runs kubeadm upgrade apply with the packages apt installed. The .deb-file path of air-gapped
 * upgrades and multi-node upgrades are ssh-upgrade-kubeadm.test.ts's.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { startHosts, type TestHost, type TestHostSet } from '../hosts/harness.js';
import { buildAptMirror, serveAptMirror, type AptMirror } from '../helpers/apt-mirror.js';
import { ROOT, clusterLog, ksctl, kubectl, sandbox, type CliResult, type Sandbox } from '../helpers/cli.js';
import {
  PREVIOUS_KUBERNETES_VERSION,
  addImagesToAirgap,
  installKubeadmNodes,
  missingKubeadmNodeParts,
} from '../helpers/kubeadm-node.js';
import { KUBERNETES_VERSION } from '../helpers/kube-binaries.js';
import { adaptKubeProxy, nodeVersions, until } from '../helpers/upgrade-e2e.js';
import { airgapDir, clusterFile, validHostKeys, writeKey } from '../helpers/ssh-cluster.js';

const roles = ['loadbalancer', 'etcd', 'etcd', 'etcd', 'controlplane'] as const;
const missing = [...missingKubeadmNodeParts(PREVIOUS_KUBERNETES_VERSION), ...missingKubeadmNodeParts()];
const out = (r: CliResult) => `${r.stdout}\n${r.stderr}`;
const minor = (v: string) => v.replace(/^v/, '').split('.').slice(0, 2).join('.');
const patch = (v: string) => v.replace(/^v/, '');

let set: TestHostSet;
let sb: Sandbox;
let mirror: AptMirror;
let mirrorRoot: string;
let cp: TestHost;

const clusterDir = () => path.join(sb.ksctlHome, 'clusters/ssh/default/mirror');
const logTail = () => clusterLog(clusterDir());
const onCp = async (cmd: string) => (await cp.exec(cmd)).stdout.trim();

beforeAll(async () => {
  if (missing.length) return;
  mirrorRoot = mkdtempSync(path.join(os.tmpdir(), 'ksctl-apt-mirror-'));
  buildAptMirror(mirrorRoot, [PREVIOUS_KUBERNETES_VERSION, KUBERNETES_VERSION]);
  const client = generateSshKeyPair('ksctl-test');
  set = await startHosts(roles.length, {
    clientKey: { private: client.privateKey, public: client.publicKey },
    hostKey: validHostKeys(roles.length),
  });
  cp = set.hosts[4]!;
  mirror = await serveAptMirror(mirrorRoot);
  sb = sandbox();
  const airgap = airgapDir(path.join(sb.dir, 'airgap'));
  copyFileSync(path.join(ROOT, 'test/images/cni-bridge/kube-flannel.yml'), path.join(airgap, 'kube-flannel.yml'));
  writeFileSync(
    path.join(sb.dir, 'cluster.yaml'),
    clusterFile({
      name: 'mirror',
      distribution: 'kubeadm',
      roles: [...roles],
      hosts: set.hosts,
      keyFile: writeKey(sb.dir, client.privateKey),
      airgapDir: airgap,
      airgapImages: addImagesToAirgap(airgap, PREVIOUS_KUBERNETES_VERSION),
      kubernetesVersion: minor(PREVIOUS_KUBERNETES_VERSION),
      kubeadmPackageRepository: mirror.url,
    }),
  );
  // containerd, the CNI plugins and the units as kubeadm-node.sh lays them out; kubeadm and the kubelet
  // removed again, so create has to install them from the mirror.
  await installKubeadmNodes([cp], PREVIOUS_KUBERNETES_VERSION);
  await cp.exec('rm -f /usr/bin/kubeadm /usr/bin/kubelet');
}, 180_000);
afterAll(async () => {
  await mirror?.close();
  await set?.teardown();
  sb?.cleanup();
  if (mirrorRoot) rmSync(mirrorRoot, { recursive: true, force: true });
});

describe.skipIf(missing.length > 0)(
  `kubeadm packages from a signed apt mirror of pkgs.k8s.io: install ${minor(PREVIOUS_KUBERNETES_VERSION)}, upgrade to ${minor(KUBERNETES_VERSION)}${missing.length ? ` (not built: ${missing.join(', ')})` : ''}`,
  () => {
    it(`creates the cluster with kubeadm ${PREVIOUS_KUBERNETES_VERSION} installed by apt from the mirror`, async () => {
      expect(await onCp('command -v kubeadm kubelet || echo none')).toBe('none');
      // Without workers create does not wait for the CNI, so the adaptation may come after it.
      const deadline = Date.now() + 600_000;
      const kubeconfig = path.join(clusterDir(), 'secrets', 'kubeconfig');
      const adapted = adaptKubeProxy(kubeconfig, sb.env, sb.dir, () => Date.now() < deadline);
      const r = await ksctl(['create', 'cluster', '-f', path.join(sb.dir, 'cluster.yaml')], sb.env);
      expect(r.code, `${logTail()}\n${out(r)}`).toBe(0);
      expect(await adapted).toBe(true);
      const v1 = `/core:/stable:/v${minor(PREVIOUS_KUBERNETES_VERSION)}/deb/`;
      // apt verified the mirror's InRelease against the key ksctl fetched, and took both packages from it.
      expect(mirror.requests).toEqual(
        expect.arrayContaining([
          `${v1}Release.key`,
          `${v1}InRelease`,
          `${v1}kubeadm_${patch(PREVIOUS_KUBERNETES_VERSION)}-1.1_amd64.deb`,
          `${v1}kubelet_${patch(PREVIOUS_KUBERNETES_VERSION)}-1.1_amd64.deb`,
        ]),
      );
      expect(await onCp('cat /etc/apt/sources.list.d/kubernetes.list')).toBe(
        `deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] ${mirror.url.replace('{minor}', minor(PREVIOUS_KUBERNETES_VERSION))} /`,
      );
      expect(await onCp("dpkg-query -W -f='${Version}' kubeadm")).toBe(`${patch(PREVIOUS_KUBERNETES_VERSION)}-1.1`);
      // The signature is what apt trusts: the same repository against another keyring is refused.
      const url = mirror.url.replace('{minor}', minor(PREVIOUS_KUBERNETES_VERSION));
      const unsigned = await cp.exec(
        [
          'mkdir -p /tmp/other-lists/partial && : > /tmp/other.gpg',
          `echo 'deb [signed-by=/tmp/other.gpg] ${url} /' > /tmp/other.list`,
          'apt-get -o Dir::Etc::sourcelist=/tmp/other.list -o Dir::Etc::sourceparts=- -o Dir::State::Lists=/tmp/other-lists update',
        ].join(' && '),
      );
      expect(`${unsigned.stdout}${unsigned.stderr}`).toMatch(
        /NO_PUBKEY|not signed|could not be verified|couldn't be verified/,
      );
      expect(unsigned.code).not.toBe(0);
      expect(await onCp('apt-mark showhold')).toContain('kubeadm');
      const want = { 'cp-0': `True/${PREVIOUS_KUBERNETES_VERSION}` };
      expect(
        await until(async () => JSON.stringify(await nodeVersions(sb.env)) === JSON.stringify(want), 300_000),
      ).toBe(true);
    }, 900_000);

    it(`upgrades to ${minor(KUBERNETES_VERSION)} (the mirror's newest patch) with apt, through kubeadm upgrade apply`, async () => {
      // The new release's images, staged where an air-gapped upgrade takes them from; no .deb files there.
      addImagesToAirgap(path.join(sb.dir, 'airgap'), KUBERNETES_VERSION);
      const seen = mirror.requests.length;
      const r = await ksctl(
        ['upgrade', 'cluster', 'mirror', '--k8s-version', minor(KUBERNETES_VERSION), '--skip-backup'],
        sb.env,
      );
      expect(r.code, `${logTail()}\n${out(r)}`).toBe(0);
      const v2 = `/core:/stable:/v${minor(KUBERNETES_VERSION)}/deb/`;
      expect(mirror.requests.slice(seen)).toEqual(
        expect.arrayContaining([
          `${v2}InRelease`,
          ...['kubeadm', 'kubelet', 'kubectl'].map((p) => `${v2}${p}_${patch(KUBERNETES_VERSION)}-1.1_amd64.deb`),
        ]),
      );
      expect(await onCp('cat /etc/apt/sources.list.d/kubernetes.list')).toContain(
        mirror.url.replace('{minor}', minor(KUBERNETES_VERSION)),
      );
      for (const p of ['kubeadm', 'kubelet', 'kubectl'])
        expect(await onCp(`dpkg-query -W -f='\${Version}' ${p}`), p).toBe(`${patch(KUBERNETES_VERSION)}-1.1`);
      expect(await onCp('apt-mark showhold')).toContain('kubelet');
      // ksctl saw the node Ready at the new version; the API of a lone control plane may still blink after
      // the kubelet's restart, so the read is retried.
      const want = JSON.stringify({ 'cp-0': `True/${KUBERNETES_VERSION}` });
      const ok = await until(async () => JSON.stringify(await nodeVersions(sb.env)) === want, 60_000);
      expect(ok, JSON.stringify(await nodeVersions(sb.env))).toBe(true);
      // Likewise the API server's own version, read until it answers.
      const version = async () => {
        const api = await kubectl(['get', '--raw', '/version', '--request-timeout', '10s'], sb.env);
        return api.code === 0 ? (JSON.parse(api.stdout) as { gitVersion: string }).gitVersion : api.stderr.trim();
      };
      let answer = '';
      await until(async () => (answer = await version()) === KUBERNETES_VERSION, 60_000);
      expect(answer).toBe(KUBERNETES_VERSION);
      const state = JSON.parse(readFileSync(path.join(clusterDir(), 'state.json'), 'utf8')) as {
        versions: Record<string, string>;
        machines: Record<string, { installed?: { kubernetes: string } }>;
      };
      expect(state.versions.kubernetes).toBe(KUBERNETES_VERSION);
      expect(state.machines['cp-0']!.installed!.kubernetes).toBe(KUBERNETES_VERSION);
    }, 900_000);
  },
);
