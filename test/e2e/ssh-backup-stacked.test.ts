/**
 * Backups and the whole restore of kubeadm's STACKED etcd, for real, on SSH test hosts through the CLI:
 * 1 load balancer and 3 control planes, each running its etcd member as kubeadm's static pod from the
 * etcd image kubeadm v1.37.2 names (registry.k8s.io/etcd:3.7.0-0, built from the Go module proxy by
 * scripts/build-etcd.sh + build-images.mjs). Objects are written through the real API server (via the
 * load balancer), backed up, deleted, and every member's etcd data destroyed; `backup restore` is
 * SIGKILLed midway and run again; the API server serves the objects again.
 * Real: sshd, HAProxy, kubeadm, kubelet, containerd + runc, etcd 3.7 and the control plane as static
 * pods, kubectl. Stand-ins: systemctl (test/hosts) and the CNI manifest (test/images/cni-bridge).
 */
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { startHosts, type TestHost, type TestHostSet } from '../hosts/harness.js';
import { ROOT, ksctl, kubectl, sandbox, startKsctl, type CliResult, type Sandbox } from '../helpers/cli.js';
import { addImagesToAirgap, installKubeadmNodes, missingKubeadmNodeParts } from '../helpers/kubeadm-node.js';
import { airgapDir, clusterFile, validHostKeys, writeKey } from '../helpers/ssh-cluster.js';

let set: TestHostSet;
let sb: Sandbox;
const roles = ['loadbalancer', 'controlplane', 'controlplane', 'controlplane'] as const;
const missing = missingKubeadmNodeParts(undefined, { stackedEtcd: true });
const clusterDir = () => path.join(sb.ksctlHome, 'clusters/ssh/default/stk');
const cps = () => set.hosts.slice(1, 4);
const logTail = () => {
  try {
    return readFileSync(path.join(clusterDir(), 'ksctl.log'), 'utf8').split('\n').slice(-60).join('\n');
  } catch {
    return '(no log)';
  }
};
const out = (r: CliResult) => `${r.stdout}\n${r.stderr}\n${logTail()}`;

beforeAll(async () => {
  if (missing.length > 0) return;
  const client = generateSshKeyPair('ksctl-test');
  set = await startHosts(roles.length, {
    clientKey: { private: client.privateKey, public: client.publicKey },
    hostKey: validHostKeys(roles.length),
  });
  sb = sandbox();
  const dir = airgapDir(path.join(sb.dir, 'airgap'));
  copyFileSync(path.join(ROOT, 'test/images/cni-bridge/kube-flannel.yml'), path.join(dir, 'kube-flannel.yml'));
  const file = path.join(sb.dir, 'cluster.yaml');
  writeFileSync(
    file,
    clusterFile({
      name: 'stk',
      distribution: 'kubeadm',
      roles: [...roles],
      hosts: set.hosts,
      keyFile: writeKey(sb.dir, client.privateKey),
      airgapDir: dir,
      airgapImages: addImagesToAirgap(dir, undefined, { stackedEtcd: true }),
    }),
  );
  await installKubeadmNodes(cps());
  const r = await ksctl(['create', 'cluster', '-f', file], sb.env);
  if (r.code !== 0) throw new Error(`create failed: ${out(r)}`);
}, 900_000);
afterAll(async () => {
  await set?.teardown();
  sb?.cleanup();
});

/** etcdctl of the cluster's own etcd image on a control plane (kubeadm nodes have none), over TLS. */
const IMAGE = 'registry.k8s.io/etcd:3.7.0-0';
const PKI = '/etc/kubernetes/pki/etcd';
async function hostEtcdctl(h: TestHost, args: string) {
  return h.exec(
    `ctr -n k8s.io run --rm --net-host --mount type=bind,src=${PKI},dst=${PKI},options=rbind:ro ${IMAGE} ksctl-test-etcdctl-${Date.now()} ` +
      `etcdctl --endpoints=https://127.0.0.1:2379 --cacert=${PKI}/ca.crt --cert=${PKI}/healthcheck-client.crt --key=${PKI}/healthcheck-client.key --command-timeout=10s ${args}`,
    { timeoutMs: 60_000 },
  );
}
const revision = async (h: TestHost) =>
  (
    JSON.parse((await hostEtcdctl(h, 'endpoint status -w json')).stdout) as {
      Status: { header: { revision: number } };
    }[]
  )[0]!.Status.header.revision;
const state = () =>
  JSON.parse(readFileSync(path.join(clusterDir(), 'state.json'), 'utf8')) as {
    phase: string;
    steps: { id: string; status: string }[];
  };
const k = (...args: string[]) => kubectl([...args, '--request-timeout', '20s'], sb.env);
const configMaps = async () =>
  (
    await k(
      'get',
      'configmaps',
      '-n',
      'restore-test',
      '-l',
      'ksctl-test=restore',
      '-o',
      'jsonpath={.items[*].metadata.name}',
    )
  ).stdout
    .split(' ')
    .filter(Boolean)
    .sort();
const seconds = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1);

describe.skipIf(missing.length > 0)(
  `backup and restore, kubeadm stacked etcd (3 members)${missing.length ? ` (not built: ${missing.join(', ')})` : ''}`,
  () => {
    let name = '';
    let backedUpRevision = 0;
    const written = Array.from({ length: 10 }, (_, i) => `cm-${i}`);

    it('backs up a member of the stacked etcd: objects written through the API server (via the load balancer), snapshot checked with etcdutl', async () => {
      expect((await ksctl(['switch', 'stk'], sb.env)).code).toBe(0);
      expect((await k('create', 'namespace', 'restore-test')).code).toBe(0);
      for (const n of written) {
        const r = await k('create', 'configmap', n, '-n', 'restore-test', `--from-literal=value=${n}`);
        expect(r.code, r.stderr).toBe(0);
        expect((await k('label', 'configmap', n, '-n', 'restore-test', 'ksctl-test=restore')).code).toBe(0);
      }
      const t0 = Date.now();
      const r = await ksctl(['backup', 'create', 'stk', '-o', 'json'], sb.env);
      console.log(`backup create (stacked, 3 members): ${seconds(t0)} s`);
      expect(r.code, out(r)).toBe(0);
      const m = JSON.parse(r.stdout) as {
        name: string;
        shape: Record<string, unknown>;
        snapshot: { revision: number; totalKeys: number; member: string };
      };
      name = m.name;
      expect(m.shape).toEqual({ distribution: 'kubeadm', etcd: 'stacked', members: 3, kubernetes: '1.37' });
      // etcdutl snapshot status ran on the member: the revision is the cluster's, the keys include ours.
      backedUpRevision = m.snapshot.revision;
      expect(backedUpRevision).toBeGreaterThan(0);
      expect(m.snapshot.totalKeys).toBeGreaterThan(written.length);
      expect(m.snapshot.member).toBe('cp-0');
      // The ServiceAccount signing key pair is kept (0600) and bundled; no secret reaches the output or log.
      const saKey = path.join(clusterDir(), 'secrets', 'kubeadm-sa.key');
      expect(readFileSync(saKey, 'utf8')).toBe((await cps()[0]!.exec('cat /etc/kubernetes/pki/sa.key')).stdout);
      expect(statSync(saKey).mode & 0o777).toBe(0o600);
      const keyLine = readFileSync(saKey, 'utf8').split('\n')[1]!;
      for (const text of [r.stdout, r.stderr, readFileSync(path.join(clusterDir(), 'ksctl.log'), 'utf8')])
        expect(text).not.toContain(keyLine);
      // Nothing left behind on the member: no snapshot file, no one-off container.
      expect((await cps()[0]!.exec('ls -A /var/lib/ksctl/etcd-snapshots')).stdout.trim()).toBe('');
      expect((await cps()[0]!.exec('ctr -n k8s.io containers ls -q | grep -c ^ksctl- || true')).stdout.trim()).toBe(
        '0',
      );
      const list = await ksctl(['backup', 'list', 'stk', '-o', 'json'], sb.env);
      expect(list.code, list.stderr).toBe(0);
      expect((JSON.parse(list.stdout) as { backups: { name: string }[] }).backups.map((b) => b.name)).toEqual([name]);
    }, 180_000);

    it('restores after the objects are deleted and the data of every member destroyed; SIGKILL midway, the same command again converges', async () => {
      expect(name, 'the backup of the test before').not.toBe('');
      expect((await k('delete', 'configmap', '-n', 'restore-test', '-l', 'ksctl-test=restore')).code).toBe(0);
      expect((await k('create', 'configmap', 'after-backup', '-n', 'restore-test')).code).toBe(0);
      // Disaster: every member's data gone; the kubelet restarts each etcd on an empty directory (cp-0
      // starts a new, empty one-member cluster, as its manifest says; the joined members cannot rejoin).
      const stopped = await Promise.all(
        cps().map((h) =>
          h.exec(
            'mv /etc/kubernetes/manifests/etcd.yaml /root/etcd.yaml && while pgrep -x etcd >/dev/null; do pkill -x etcd; sleep 0.5; done && rm -rf /var/lib/etcd',
            { timeoutMs: 120_000 },
          ),
        ),
      );
      for (const r of stopped) expect(r.code, r.stderr).toBe(0);
      for (const h of cps())
        expect((await h.exec('mv /root/etcd.yaml /etc/kubernetes/manifests/etcd.yaml')).code).toBe(0);

      const t0 = Date.now();
      const first = startKsctl(['backup', 'restore', 'stk', name], sb.env);
      // Killed once a member is restored (the others may or may not be).
      const deadline = Date.now() + 240_000;
      while (Date.now() < deadline && first.child.exitCode === null) {
        if (state().steps.some((s) => /^restore\/[^/]+\/member\//.test(s.id) && s.status === 'done')) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      first.child.kill('SIGKILL');
      const killed = await first.done;
      expect(killed.signal, out(killed)).toBe('SIGKILL');
      expect(state().steps.some((s) => /^restore\/[^/]+\/cleanup$/.test(s.id) && s.status === 'done')).toBe(false);
      const again = await ksctl(['backup', 'restore', 'stk', name], sb.env);
      console.log(`backup restore (stacked, 3 members; killed once, re-run): ${seconds(t0)} s`);
      expect(again.code, out(again)).toBe(0);
      expect(state().phase).toBe('ready');

      // Through the load balancer, the API server serves what the backup held, and not what came after.
      expect(await configMaps()).toEqual(written);
      expect((await k('get', 'configmap', 'after-backup', '-n', 'restore-test')).code).not.toBe(0);
      // Three members again, one cluster (a new token), the revision bumped past everything before.
      const members = JSON.parse((await hostEtcdctl(cps()[1]!, 'member list -w json')).stdout) as {
        members: { name: string }[];
      };
      expect(members.members.map((m) => m.name).sort()).toEqual(['cp-0', 'cp-1', 'cp-2']);
      for (const h of cps()) expect(await revision(h)).toBeGreaterThan(backedUpRevision + 1_000_000_000 - 1);
      // Old data directories, markers, snapshot copies and one-off containers are gone.
      for (const h of cps()) {
        const left = await h.exec(
          'ls -d /var/lib/etcd.* /var/lib/ksctl/etcd-snapshots/* /var/lib/ksctl/restore/* 2>/dev/null | wc -l; ctr -n k8s.io containers ls -q | grep -c ^ksctl- || true',
        );
        expect(left.stdout.trim().split('\n')).toEqual(['0', '0']);
      }
    }, 600_000);
  },
);
