/**
 * Backups and the whole restore of kubeadm's STACKED etcd, for real, on SSH test hosts through the CLI:
 * 1 load balancer and 3 control planes, each running its etcd member as kubeadm's static pod from the
 * etcd image kubeadm v1.37.2 names (registry.k8s.io/etcd:3.7.0-0, built from the Go module proxy by
 * scripts/build-etcd.sh + build-images.mjs). Objects are written through the real API server (via the
 * load balancer), backed up, deleted, and every member's etcd data destroyed; `backup restore` is
 * SIGKILLed midway and run again; the API server serves the objects again. Then cluster B ("stkb", on
 * four more hosts) is made from that backup with `create cluster --restore` (SIGKILLed in the middle of
 * kubeadm init on the restored etcd, run again: the half-done init is reset and the snapshot restored
 * again): B serves A's objects as of the backup, its nodes and etcd members are its own machines, A's kubeconfig and a token of A's ServiceAccount key work against it; a B of another shape
 * (1 control plane against 3 members) is refused with exit 2 before anything is written.
 * Real: sshd, HAProxy, kubeadm, kubelet, containerd + runc, etcd 3.7 and the control plane as static
 * pods, kubectl. Stand-ins: systemctl (test/hosts) and the CNI manifest (test/images/cni-bridge).
 */
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { startHosts, type TestHost, type TestHostSet } from '../hosts/harness.js';
import { ROOT, clusterLog, ksctl, kubectl, sandbox, startKsctl, type CliResult, type Sandbox } from '../helpers/cli.js';
import { addImagesToAirgap, installKubeadmNodes, missingKubeadmNodeParts } from '../helpers/kubeadm-node.js';
import { airgapDir, clusterFile, validHostKeys, writeKey } from '../helpers/ssh-cluster.js';
import { nodeIdentities, readWithMovedKubeconfig } from '../helpers/restore-e2e.js';
import { etcdMembers, etcdRevision, restoreLeftovers } from '../helpers/stacked-etcd.js';

let set: TestHostSet;
let sb: Sandbox;
const roles = ['loadbalancer', 'controlplane', 'controlplane', 'controlplane'] as const;
let clientKey = '';
let airgap = '';
let images: ReturnType<typeof addImagesToAirgap>;
const missing = missingKubeadmNodeParts(undefined, { stackedEtcd: true });
const clusterDir = () => path.join(sb.ksctlHome, 'clusters/ssh/default/stk');
const cps = () => set.hosts.slice(1, 4);
/** Cluster B (`create --restore` of stk's backup): four more fresh hosts. */
const hostsB = () => set.hosts.slice(4, 8);
const cpsB = () => hostsB().slice(1);
const logTail = () => clusterLog(clusterDir());
const out = (r: CliResult) => `${logTail()}\n${r.stdout}\n${r.stderr}`;

beforeAll(async () => {
  if (missing.length > 0) return;
  const client = generateSshKeyPair('ksctl-test');
  set = await startHosts(roles.length * 2, {
    clientKey: { private: client.privateKey, public: client.publicKey },
    hostKey: validHostKeys(roles.length * 2),
  });
  clientKey = client.privateKey;
  sb = sandbox();
  const dir = airgapDir(path.join(sb.dir, 'airgap'));
  airgap = dir;
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
      airgapImages: (images = addImagesToAirgap(dir, undefined, { stackedEtcd: true })),
    }),
  );
  await installKubeadmNodes([...cps(), ...cpsB()]);
  const r = await ksctl(['create', 'cluster', '-f', file], sb.env);
  if (r.code !== 0) throw new Error(`create failed: ${out(r)}`);
}, 900_000);
afterAll(async () => {
  await set?.teardown();
  sb?.cleanup();
});

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
      expect(await etcdMembers(cps()[1]!)).toEqual(cps().map((h, i) => `cp-${i} https://${h.address}:2380`));
      for (const h of cps()) expect(await etcdRevision(h)).toBeGreaterThan(backedUpRevision + 1_000_000_000 - 1);
      // Old data directories, markers, snapshot copies and one-off containers are gone.
      for (const h of cps()) expect(await restoreLeftovers(h)).toEqual(['0', '0']);
    }, 600_000);

    // create --restore onto a FRESH kubeadm cluster with stacked etcd: cluster "stkb" on four other hosts.
    const fileB = (name: string, r: readonly (typeof roles)[number][], hosts: TestHost[]) => {
      const f = path.join(sb.dir, `${name}.yaml`);
      writeFileSync(
        f,
        clusterFile({
          name: 'stkb',
          distribution: 'kubeadm',
          roles: [...r],
          hosts,
          keyFile: writeKey(sb.dir, clientKey),
          airgapDir: airgap,
          airgapImages: images,
        }),
      );
      return f;
    };
    const target = () => `file://${path.join(sb.ksctlHome, 'backups/ssh/default/stk')}`;
    const dirB = () => path.join(sb.ksctlHome, 'clusters/ssh/default/stkb');
    let oldKubeconfig = '';
    let saToken = '';

    it('refuses a fresh cluster of another shape (1 control plane against 3 members): exit 2, nothing written', async () => {
      expect(name, 'the backup of the tests before').not.toBe('');
      const one = fileB('one', ['loadbalancer', 'controlplane'], hostsB().slice(0, 2));
      const r = await ksctl(['create', 'cluster', '-f', one, '--restore', name, '--backup-target', target()], sb.env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--restore: backup .* is of another shape .*: members differ/);
      expect(existsSync(path.join(dirB(), 'state.json'))).toBe(false);
      for (const h of hostsB())
        expect((await h.exec('ls /var/lib/ksctl /etc/kubernetes/pki 2>/dev/null; true')).stdout.trim()).toBe('');
    }, 60_000);

    it("creates stkb from stk's backup (SIGKILL during kubeadm init on the restored etcd, the same command again finishes)", async () => {
      expect((await ksctl(['switch', 'stk'], sb.env)).code).toBe(0);
      // What the user keeps of stk: its kubeconfig; and a ServiceAccount token its signing key made.
      const kc = await kubectl(['config', 'view', '--raw', '--minify', '--flatten'], sb.env);
      expect(kc.code, kc.stderr).toBe(0);
      oldKubeconfig = kc.stdout;
      const tok = await k('create', 'token', 'default', '-n', 'restore-test', '--duration', '1h');
      expect(tok.code, tok.stderr).toBe(0);
      saToken = tok.stdout.trim();

      const args = [
        'create',
        'cluster',
        '-f',
        fileB('stkb', roles, hostsB()),
        '--restore',
        name,
        '--backup-target',
        target(),
      ];
      const t0 = Date.now();
      const first = startKsctl(args, sb.env);
      const stateB = () =>
        JSON.parse(readFileSync(path.join(dirB(), 'state.json'), 'utf8')) as {
          phase: string;
          steps: { id: string; status: string }[];
        };
      const seeded = () =>
        existsSync(path.join(dirB(), 'state.json')) &&
        stateB().steps.some((s) => /^restore\/[^/]+\/forget-nodes$/.test(s.id) && s.status === 'done');
      const deadline = Date.now() + 300_000;
      while (Date.now() < deadline && first.child.exitCode === null && !seeded())
        await new Promise((r) => setTimeout(r, 25));
      // Then killed in the middle of kubeadm init on cp-0 (its manifests written, not yet initialised): the
      // re-run must reset that init (a reset empties /var/lib/etcd) and restore the snapshot again first.
      const midInit = async () =>
        (
          await hostsB()[1]!.exec(
            'test -e /etc/kubernetes/manifests/kube-apiserver.yaml && ! test -e /var/lib/ksctl/kubeadm/initialized',
          )
        ).code === 0;
      while (Date.now() < deadline && first.child.exitCode === null && !(await midInit()))
        await new Promise((r) => setTimeout(r, 100));
      first.child.kill('SIGKILL');
      const killed = await first.done;
      expect(killed.signal, `${killed.stdout}\n${killed.stderr}`).toBe('SIGKILL');
      expect(stateB().steps.some((s) => s.id === 'controlplane/cp-1' && s.status === 'done')).toBe(false);
      const again = await ksctl(args, sb.env);
      console.log(`create --restore (stacked, 3 control planes; killed once, re-run): ${seconds(t0)} s`);
      expect(again.code, `${clusterLog(dirB())}\n${again.stdout}\n${again.stderr}`).toBe(0);
      expect(stateB().phase).toBe('ready');
      const logB = readFileSync(path.join(dirB(), 'ksctl.log'), 'utf8');
      expect(logB).toMatch(/an interrupted kubeadm init: resetting it here/);
      expect(logB.match(/^.*info {2}deleted 3 Node objects of stk from the restored etcd$/gm)).toHaveLength(1);
      // The restore cleaned up after itself on cp-0.
      expect(await restoreLeftovers(hostsB()[1]!)).toEqual(['0', '0']);
    }, 900_000);

    it("stkb serves stk's objects as of the backup; its nodes are its own machines; three etcd members", async () => {
      expect((await ksctl(['switch', 'stkb'], sb.env)).code).toBe(0);
      expect(await configMaps()).toEqual(written);
      expect((await k('get', 'configmap', 'after-backup', '-n', 'restore-test')).code).not.toBe(0);
      expect(await nodeIdentities(sb.env)).toEqual(cpsB().map((h, i) => `cp-${i} ksctl://stkb/cp-${i} ${h.address}`));
      expect(await etcdMembers(cpsB()[1]!)).toEqual(cpsB().map((h, i) => `cp-${i} https://${h.address}:2380`));
      expect(await etcdRevision(cpsB()[0]!)).toBeGreaterThan(backedUpRevision + 1_000_000_000 - 1);
      // stk's control-plane mirror pods are gone with its nodes: the etcd pods (where kubeadm join looks
      // for etcd endpoints) name stkb's machines only.
      const etcdPods = async () =>
        (
          await k(
            'get',
            'pods',
            '-n',
            'kube-system',
            '-l',
            'component=etcd',
            '-o',
            'jsonpath={range .items[*]}{.metadata.annotations.kubeadm\\.kubernetes\\.io/etcd\\.advertise-client-urls}{"\\n"}{end}',
          )
        ).stdout
          .trim()
          .split('\n')
          .sort();
      const want = cpsB().map((h) => `https://${h.address}:2379`);
      const until = Date.now() + 60_000;
      while (Date.now() < until && JSON.stringify(await etcdPods()) !== JSON.stringify(want))
        await new Promise((r) => setTimeout(r, 1000));
      expect(await etcdPods()).toEqual(want);
      // kubeadm's discovery document names stkb's load balancer, not stk's.
      const info = await k(
        'get',
        'configmap',
        'cluster-info',
        '-n',
        'kube-public',
        '-o',
        'jsonpath={.data.kubeconfig}',
      );
      expect(info.stdout).toContain(`https://${hostsB()[0]!.address}:6443`);
      expect(info.stdout).not.toContain(`https://${set.hosts[0]!.address}:6443`);
    }, 120_000);

    it("stk's old kubeconfig (its CA, its client certificate) and a token of stk's ServiceAccount key work against stkb", async () => {
      const g = await readWithMovedKubeconfig(
        sb,
        oldKubeconfig,
        { from: set.hosts[0]!.address, to: hostsB()[0]!.address },
        { name: 'cm-0', namespace: 'restore-test' },
      );
      expect(g.code, g.stderr).toBe(0);
      expect(g.stdout).toBe('cm-0');
      const ca = path.join(sb.dir, 'stk-ca.crt');
      const caData = /certificate-authority-data: (\S+)/.exec(oldKubeconfig)![1]!;
      writeFileSync(ca, Buffer.from(caData, 'base64'));
      const who = await kubectl(
        [
          '--kubeconfig',
          '/dev/null',
          '--server',
          `https://${hostsB()[0]!.address}:6443`,
          '--certificate-authority',
          ca,
          '--token',
          saToken,
          'auth',
          'whoami',
          '-o',
          'jsonpath={.status.userInfo.username}',
          '--request-timeout',
          '20s',
        ],
        sb.env,
      );
      expect(who.code, who.stderr).toBe(0);
      expect(who.stdout).toBe('system:serviceaccount:restore-test:default');
    }, 60_000);
  },
);
