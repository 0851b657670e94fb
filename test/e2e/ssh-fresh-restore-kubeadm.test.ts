/**
 * `create cluster --restore` for kubeadm with EXTERNAL etcd, for real, on SSH test hosts through the
 * CLI: cluster "ka" (1 load balancer, 3 etcd members, 1 control plane) gets objects, a ServiceAccount
 * token and a backup; cluster "kb" of the same shape is made from that backup on five other hosts. kb
 * serves ka's objects as of the backup, its only node is its own machine, ka's kubeadm ServiceAccount
 * key pair signs on kb (the token ka issued is accepted: the backup kept the pair and kb's kubeadm init
 * was given it), and ka's old kubeconfig works against kb (the Kubernetes CA came with the bundle).
 * Real: sshd, HAProxy, etcd 3.6 (TLS), kubeadm v1.37.2, kubelet, containerd + runc, the control plane
 * as static pods, kubectl. Stand-ins: systemctl (test/hosts) and the CNI manifest (test/images/cni-bridge).
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { startHosts, type TestHost, type TestHostSet } from '../hosts/harness.js';
import { ROOT, clusterLog, ksctl, kubectl, sandbox, type CliResult, type Sandbox } from '../helpers/cli.js';
import { addImagesToAirgap, installKubeadmNodes, missingKubeadmNodeParts } from '../helpers/kubeadm-node.js';
import { nodeIdentities, readWithMovedKubeconfig } from '../helpers/restore-e2e.js';
import { airgapDir, clusterFile, validHostKeys, writeKey } from '../helpers/ssh-cluster.js';

const roles = ['loadbalancer', 'etcd', 'etcd', 'etcd', 'controlplane'] as const;
const missing = missingKubeadmNodeParts();
let set: TestHostSet;
let sb: Sandbox;
let keyFile = '';
let airgap = '';
let images: ReturnType<typeof addImagesToAirgap>;
const hostsA = () => set.hosts.slice(0, 5);
const hostsB = () => set.hosts.slice(5, 10);
const dir = (name: string) => path.join(sb.ksctlHome, 'clusters/ssh/default', name);
const out = (r: CliResult, name: string) => `${clusterLog(dir(name))}\n${r.stdout}\n${r.stderr}`;
const k = (...args: string[]) => kubectl([...args, '--request-timeout', '30s'], sb.env);

function writeClusterFile(name: string, hosts: TestHost[]): string {
  const file = path.join(sb.dir, `${name}.yaml`);
  writeFileSync(
    file,
    clusterFile({
      name,
      distribution: 'kubeadm',
      roles: [...roles],
      hosts,
      keyFile,
      airgapDir: airgap,
      airgapImages: images,
    }),
  );
  return file;
}

beforeAll(async () => {
  if (missing.length) return;
  const client = generateSshKeyPair('ksctl-test');
  set = await startHosts(roles.length * 2, {
    clientKey: { private: client.privateKey, public: client.publicKey },
    hostKey: validHostKeys(roles.length * 2),
  });
  sb = sandbox();
  keyFile = writeKey(sb.dir, client.privateKey);
  airgap = airgapDir(path.join(sb.dir, 'airgap'));
  copyFileSync(path.join(ROOT, 'test/images/cni-bridge/kube-flannel.yml'), path.join(airgap, 'kube-flannel.yml'));
  images = addImagesToAirgap(airgap);
  await installKubeadmNodes([hostsA()[4]!, hostsB()[4]!]);
  const r = await ksctl(['create', 'cluster', '-f', writeClusterFile('ka', hostsA())], sb.env);
  if (r.code !== 0) throw new Error(`create ka failed: ${out(r, 'ka')}`);
}, 600_000);
afterAll(async () => {
  await set?.teardown();
  sb?.cleanup();
});

describe.skipIf(missing.length > 0)(
  `restore onto a fresh cluster of the same shape (kubeadm, external etcd)${missing.length ? ` (not built: ${missing.join(', ')})` : ''}`,
  () => {
    let backup = '';
    let oldKubeconfig = '';
    let token = '';

    it("backs up ka with kubeadm's ServiceAccount key pair; what is written after the backup stays on ka", async () => {
      expect((await ksctl(['switch', 'ka'], sb.env)).code).toBe(0);
      for (const n of ['keep-1', 'keep-2']) {
        const c = await k('create', 'configmap', n, `--from-literal=value=${n}-data`);
        expect(c.code, c.stderr).toBe(0);
      }
      // Its own ServiceAccount: the namespace's `default` one appears only once the controller manager made it.
      expect((await k('create', 'serviceaccount', 'restore-sa')).code).toBe(0);
      const tok = await k('create', 'token', 'restore-sa', '--duration', '1h');
      expect(tok.code, tok.stderr).toBe(0);
      token = tok.stdout.trim();
      const kc = await kubectl(['config', 'view', '--raw', '--minify', '--flatten'], sb.env);
      expect(kc.code, kc.stderr).toBe(0);
      oldKubeconfig = kc.stdout;
      const r = await ksctl(['backup', 'create', 'ka', '-o', 'json'], sb.env);
      expect(r.code, out(r, 'ka')).toBe(0);
      backup = (JSON.parse(r.stdout) as { name: string }).name;
      // The pair read from ka's control plane (not an etcd member), kept 0600 beside the other secrets.
      const kept = readFileSync(path.join(dir('ka'), 'secrets', 'kubeadm-sa.key'), 'utf8');
      expect(kept).toBe((await hostsA()[4]!.exec('cat /etc/kubernetes/pki/sa.key')).stdout);
      expect((await k('create', 'configmap', 'after-backup', '--from-literal=value=x')).code).toBe(0);
    }, 180_000);

    it("creates kb from ka's backup: ka's objects as of the backup, kb's own node, ka's ServiceAccount key and CA", async () => {
      expect(backup, 'the backup of the test before').not.toBe('');
      const target = `file://${path.join(sb.ksctlHome, 'backups/ssh/default/ka')}`;
      const t0 = Date.now();
      const r = await ksctl(
        ['create', 'cluster', '-f', writeClusterFile('kb', hostsB()), '--restore', backup, '--backup-target', target],
        sb.env,
      );
      console.log(
        `create --restore (kubeadm, external etcd, 1 control plane): ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
      expect(r.code, out(r, 'kb')).toBe(0);
      // kubeadm init on kb's control plane was given ka's pair.
      expect((await hostsB()[4]!.exec('cat /etc/kubernetes/pki/sa.key')).stdout).toBe(
        (await hostsA()[4]!.exec('cat /etc/kubernetes/pki/sa.key')).stdout,
      );
      expect((await ksctl(['switch', 'kb'], sb.env)).code).toBe(0);
      const names = await k('get', 'configmaps', '-o', 'jsonpath={.items[*].metadata.name}');
      expect(names.stdout.split(' ')).toEqual(expect.arrayContaining(['keep-1', 'keep-2']));
      expect(names.stdout).not.toContain('after-backup');
      const ready = await k('wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=120s');
      expect(ready.code, ready.stderr).toBe(0);
      expect(await nodeIdentities(sb.env)).toEqual([`cp-0 ksctl://kb/cp-0 ${hostsB()[4]!.address}`]);
      // A token ka signed is accepted by kb's API server (the token alone: no client certificate beside it).
      const ca = path.join(sb.dir, 'ka-ca.crt');
      writeFileSync(ca, Buffer.from(/certificate-authority-data: (\S+)/.exec(oldKubeconfig)![1]!, 'base64'));
      const who = await kubectl(
        [
          ...['--kubeconfig', '/dev/null', '--server', `https://${hostsB()[0]!.address}:6443`],
          ...['--certificate-authority', ca, '--token', token, '--request-timeout', '30s'],
          ...['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'],
        ],
        sb.env,
      );
      expect(who.code, who.stderr).toBe(0);
      expect(who.stdout).toBe('system:serviceaccount:default:restore-sa');
      const g = await readWithMovedKubeconfig(
        sb,
        oldKubeconfig,
        { from: hostsA()[0]!.address, to: hostsB()[0]!.address },
        { name: 'keep-1' },
      );
      expect(g.code, g.stderr).toBe(0);
      expect(g.stdout).toBe('keep-1-data');
    }, 600_000);
  },
);
