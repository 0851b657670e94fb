/**
 * HA k3s with embedded etcd on real SSH test hosts, through the CLI with the ssh provider: 1 load
 * balancer, 3 control planes (each a member of the etcd cluster k3s --cluster-init starts), 1 worker.
 * Real: sshd, HAProxy, etcd 3.6 (started by the k3s launcher on every server), kubectl, and behind the
 * launcher kube-apiserver, controller-manager, scheduler, containerd and kubelet. Stand-ins: the k3s binary
 * (a launcher of those) and installer (test/standins/k3s), systemctl (test/hosts).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { startHosts, type TestHostSet } from '../hosts/harness.js';
import { clusterLog, ksctl as runKsctl, kubectl, sandbox, startKsctl, type Sandbox } from '../helpers/cli.js';
import { nodeIdentities, readWithMovedKubeconfig } from '../helpers/restore-e2e.js';
import { checkingKubeconfigs, seedAwkwardKubeconfig } from '../helpers/kubeconfig.js';

// kubectl must still load the user's kubeconfig (awkward names included) after every create, switch, delete.
const ksctl = checkingKubeconfigs(runKsctl);
import { airgapDir, clusterFile, validHostKeys, writeKey } from '../helpers/ssh-cluster.js';

let set: TestHostSet;
let sb: Sandbox;
let client: ReturnType<typeof generateSshKeyPair>;
let backupName = '';
let file: string;
const roles = ['loadbalancer', 'controlplane', 'controlplane', 'controlplane', 'worker'] as const;

beforeAll(async () => {
  client = generateSshKeyPair('ksctl-test');
  set = await startHosts(roles.length, {
    clientKey: { private: client.privateKey, public: client.publicKey },
    hostKey: validHostKeys(roles.length),
  });
  sb = sandbox();
  seedAwkwardKubeconfig(path.join(sb.home, '.kube', 'config'));
  file = path.join(sb.dir, 'cluster.yaml');
  writeFileSync(
    file,
    clusterFile({
      name: 'emb',
      distribution: 'k3s',
      roles: [...roles],
      hosts: set.hosts,
      keyFile: writeKey(sb.dir, client.privateKey),
      airgapDir: airgapDir(path.join(sb.dir, 'airgap')),
    }),
  );
}, 120_000);
afterAll(async () => {
  await set?.teardown();
  sb?.cleanup();
});

const lb = () => set.hosts[0]!;
const cps = () => set.hosts.slice(1, 4);
const clusterDir = () => path.join(sb.ksctlHome, 'clusters/ssh/default/emb');
const logTail = () => clusterLog(clusterDir());
const steps = () =>
  (
    JSON.parse(readFileSync(path.join(clusterDir(), 'state.json'), 'utf8')) as {
      steps: { id: string; status: string }[];
    }
  ).steps;
const TLS = '/var/lib/rancher/k3s/server/tls/etcd';
const etcdctl = (args: string) =>
  `ETCDCTL_API=3 etcdctl --endpoints https://127.0.0.1:2379 --cacert ${TLS}/server-ca.crt --cert ${TLS}/client.crt --key ${TLS}/client.key --command-timeout 10s ${args}`;

describe('ssh provider, k3s, embedded etcd', () => {
  it('creates the HA cluster', async () => {
    const r = await ksctl(['create', 'cluster', '-f', file], sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail()}`).toBe(0);
    expect(r.stdout).toContain('Cluster emb is ready');
  }, 300_000); // three real control planes joined one at a time on two shared cores

  it('reaches all four nodes through the load balancer', async () => {
    const sw = await ksctl(['switch', 'emb'], sb.env);
    expect(sw.code, sw.stderr).toBe(0);
    const server = await kubectl(
      ['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'],
      sb.env,
    );
    expect(server.stdout).toBe(`https://${lb().address}:6443`);
    const nodes = await kubectl(
      ['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}', '--request-timeout', '20s'],
      sb.env,
    );
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout.split(' ').sort()).toEqual(['cp-0', 'cp-1', 'cp-2', 'w-0']);
    const cfg = await lb().exec('cat /etc/haproxy/haproxy.cfg');
    for (const cp of cps())
      expect(cfg.stdout).toMatch(new RegExp(`server \\S+ ${cp.address.replace(/\./g, '\\.')}:6443 check`));
  });

  it('runs real Kubernetes: every node Ready (the real kubelet on containerd), servers labelled control-plane and etcd', async () => {
    const ready = await kubectl(['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=180s'], sb.env);
    expect(ready.code, ready.stderr).toBe(0);
    const info = await kubectl(
      [
        'get',
        'nodes',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name} {.status.nodeInfo.kubeletVersion} etcd={.metadata.labels.node-role\\.kubernetes\\.io/etcd}{"\\n"}{end}',
      ],
      sb.env,
    );
    expect(info.stdout.trim().split('\n').sort()).toEqual([
      'cp-0 v1.37.2 etcd=true',
      'cp-1 v1.37.2 etcd=true',
      'cp-2 v1.37.2 etcd=true',
      'w-0 v1.37.2 etcd=',
    ]);
  }, 200_000);

  it('runs one embedded etcd cluster with a member on every control plane', async () => {
    const list = await cps()[0]!.exec(etcdctl('member list -w json'));
    expect(list.code, list.stderr).toBe(0);
    const members = (
      JSON.parse(list.stdout) as { members: { name: string; peerURLs: string[]; clientURLs?: string[] }[] }
    ).members;
    expect(members).toHaveLength(3);
    expect(members.map((m) => m.peerURLs[0]).sort()).toEqual(
      cps()
        .map((h) => `https://${h.address}:2380`)
        .sort(),
    );
    // Every member has started (a member that was added but never came up has no client URLs) and is healthy.
    expect(members.every((m) => (m.clientURLs ?? []).length > 0)).toBe(true);
    for (const h of cps()) {
      const health = await h.exec(etcdctl('endpoint health'));
      expect(`${health.stdout}${health.stderr}`, h.name).toContain('is healthy');
    }
    // The cluster's objects live there: every control plane sees all nodes in the same store.
    const keys = await cps()[2]!.exec(etcdctl('get /registry/minions/ --prefix --keys-only'));
    expect(keys.stdout.split('\n').filter(Boolean).sort()).toEqual(
      ['cp-0', 'cp-1', 'cp-2', 'w-0'].map((n) => `/registry/minions/${n}`),
    );
  });

  it('joined the control planes one at a time', () => {
    const st = JSON.parse(readFileSync(path.join(clusterDir(), 'state.json'), 'utf8')) as {
      phase: string;
      steps: { id: string; status: string; startedAt: string; endedAt?: string }[];
    };
    expect(st.phase).toBe('ready');
    const step = (id: string) => {
      const s = st.steps.filter((x) => x.id === id);
      expect(s, id).toHaveLength(1);
      expect(s[0]!.status, id).toBe('done');
      return { start: Date.parse(s[0]!.startedAt), end: Date.parse(s[0]!.endedAt!) };
    };
    const [cp0, cp1, cp2] = ['controlplane/cp-0', 'controlplane/cp-1', 'controlplane/cp-2'].map(step) as [
      ReturnType<typeof step>,
      ReturnType<typeof step>,
      ReturnType<typeof step>,
    ];
    expect(cp1.start).toBeGreaterThanOrEqual(cp0.end);
    expect(cp2.start).toBeGreaterThanOrEqual(cp1.end);
    // The worker needs only control plane 0.
    expect(step('worker/w-0').start).toBeGreaterThanOrEqual(cp0.end);
  });

  it('backs up the embedded etcd (k3s etcd-snapshot) with the server token, and restores it after every server lost its data (SIGKILL midway, the re-run converges)', async () => {
    const k = (args: string[]) => kubectl([...args, '--request-timeout', '30s'], sb.env);
    const names = ['bk-1', 'bk-2', 'bk-3'];
    for (const n of names) {
      const c = await k(['create', 'configmap', n, `--from-literal=value=${n}-data`]);
      expect(c.code, c.stderr).toBe(0);
    }
    const r = await ksctl(['backup', 'create', 'emb', '-o', 'json'], sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail()}`).toBe(0);
    const m = JSON.parse(r.stdout) as { name: string; shape: Record<string, unknown>; snapshot: { size: number } };
    backupName = m.name;
    expect(m.shape).toEqual({ distribution: 'k3s', etcd: 'embedded', members: 3, kubernetes: '1.37' });
    expect(m.snapshot.size).toBeGreaterThan(0);
    // The server token is kept with the cluster's secrets (0600) and never printed.
    const token = (await cps()[0]!.exec('cat /var/lib/rancher/k3s/server/token')).stdout.trim();
    const kept = path.join(clusterDir(), 'secrets', 'k3s-server-token');
    expect(readFileSync(kept, 'utf8').trim()).toBe(token);
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(r.stdout + r.stderr).not.toContain(token.split(':').pop()!);

    // After the backup: the objects go, a new one comes, and every server loses its etcd data.
    expect((await k(['delete', 'configmap', ...names])).code).toBe(0);
    expect((await k(['create', 'configmap', 'after-backup', '--from-literal=value=x'])).code).toBe(0);
    for (const h of cps()) {
      const d = await h.exec('systemctl stop k3s && rm -rf /var/lib/rancher/k3s/server/db');
      expect(d.code, `${h.name}: ${d.stderr}`).toBe(0);
    }

    // SIGKILL once the first server has been reset from the snapshot; the same command again finishes.
    const first = startKsctl(['backup', 'restore', 'emb', m.name], sb.env);
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline && first.child.exitCode === null) {
      if (steps().some((x) => /^restore\/[^/]+\/reset\/cp-0$/.test(x.id) && x.status === 'done')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal, `${killed.stdout}\n${killed.stderr}\n${logTail()}`).toBe('SIGKILL');
    expect(steps().some((x) => /^restore\/[^/]+\/cleanup$/.test(x.id) && x.status === 'done')).toBe(false);
    const rs = await ksctl(['backup', 'restore', 'emb', m.name], sb.env);
    expect(rs.code, `${rs.stdout}\n${rs.stderr}\n${logTail()}`).toBe(0);
    // The re-run did not reset the cluster a second time: that step ran once.
    expect(steps().filter((x) => /^restore\/[^/]+\/reset\/cp-0$/.test(x.id) && x.status === 'done')).toHaveLength(1);
    // Through the load balancer, the API serves the objects of the backup again, not the later one.
    for (const n of names) {
      const g = await k(['get', 'configmap', n, '-o', 'jsonpath={.data.value}']);
      expect(g.stdout, `${n}: ${g.stderr}`).toBe(`${n}-data`);
    }
    const gone = await k(['get', 'configmap', 'after-backup']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/NotFound/);
    // One etcd cluster again, a started member on every server, and every node Ready.
    const list = await cps()[0]!.exec(etcdctl('member list -w json'));
    const members = (JSON.parse(list.stdout) as { members: { peerURLs: string[]; clientURLs?: string[] }[] }).members;
    expect(members.map((x) => x.peerURLs[0]).sort()).toEqual(
      cps()
        .map((h) => `https://${h.address}:2380`)
        .sort(),
    );
    expect(members.every((x) => (x.clientURLs ?? []).length > 0)).toBe(true);
    const ready = await kubectl(['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=180s'], sb.env);
    expect(ready.code, ready.stderr).toBe(0);
    const st = JSON.parse(readFileSync(path.join(clusterDir(), 'state.json'), 'utf8')) as { phase: string };
    expect(st.phase).toBe('ready');
  }, 600_000);

  it('creates cluster emb2 on fresh hosts from the backup (create --restore, SIGKILL after the reset, the re-run finishes): it serves emb as of the backup, its nodes are its own machines, emb’s old kubeconfig trusts it', async () => {
    expect(backupName).not.toBe('');
    const started = Date.now();
    const k = (args: string[]) => kubectl([...args, '--request-timeout', '30s'], sb.env);
    // emb's kubeconfig as the user kept it (its CA and client certificate).
    const kc = await kubectl(['config', 'view', '--raw', '--minify', '--flatten', '--context', 'emb'], sb.env);
    const oldKubeconfig =
      kc.code === 0 ? kc.stdout : (await kubectl(['config', 'view', '--raw', '--minify', '--flatten'], sb.env)).stdout;
    expect(oldKubeconfig).toContain(`https://${lb().address}:6443`);
    const fresh = await startHosts(4, { clientKey: { private: client.privateKey, public: client.publicKey } });
    try {
      const write = (name: string, r: readonly (typeof roles)[number][], hosts = fresh.hosts) => {
        const p = path.join(sb.dir, name);
        writeFileSync(
          p,
          clusterFile({
            name: 'emb2',
            distribution: 'k3s',
            roles: [...r],
            hosts,
            keyFile: writeKey(sb.dir, client.privateKey),
            airgapDir: airgapDir(path.join(sb.dir, 'airgap')),
          }),
        );
        return p;
      };
      const target = `file://${path.join(sb.ksctlHome, 'backups/ssh/default/emb')}`;
      const emb2Dir = path.join(sb.ksctlHome, 'clusters/ssh/default/emb2');
      // Bad input: one server where emb has three etcd members: exit 2, nothing written, no host touched.
      const one = write('emb2-one.yaml', ['loadbalancer', 'controlplane'], fresh.hosts.slice(0, 2));
      const bad = await ksctl(
        ['create', 'cluster', '-f', one, '--restore', backupName, '--backup-target', target],
        sb.env,
      );
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toMatch(
        /--restore: backup .* is of another shape \(k3s, embedded etcd with 3 members.*: members differ/,
      );
      expect(existsSync(path.join(emb2Dir, 'state.json'))).toBe(false);
      for (const h of fresh.hosts) {
        const left = await h.exec('ls /var/lib/ksctl /usr/local/bin/k3s 2>/dev/null; true');
        expect(left.stdout.trim(), h.name).toBe('');
      }

      const args = [
        'create',
        'cluster',
        '-f',
        write('emb2.yaml', ['loadbalancer', 'controlplane', 'controlplane', 'controlplane']),
        '--restore',
        backupName,
        '--backup-target',
        target,
      ];
      const emb2Steps = () =>
        existsSync(path.join(emb2Dir, 'state.json'))
          ? (
              JSON.parse(readFileSync(path.join(emb2Dir, 'state.json'), 'utf8')) as {
                steps: { id: string; status: string }[];
              }
            ).steps
          : [];
      const first = startKsctl(args, sb.env);
      const deadline = Date.now() + 300_000;
      while (Date.now() < deadline && first.child.exitCode === null) {
        if (emb2Steps().some((x) => /^restore\/[^/]+\/reset\/cp-0$/.test(x.id) && x.status === 'done')) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      first.child.kill('SIGKILL');
      const killed = await first.done;
      expect(killed.signal, `${killed.stdout}\n${killed.stderr}`).toBe('SIGKILL');
      expect(emb2Steps().some((x) => x.id === 'controlplane/cp-1' && x.status === 'done')).toBe(false);
      const r = await ksctl(args, sb.env);
      expect(r.code, `${clusterLog(emb2Dir)}\n${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`Restored from ${backupName} of emb`);
      console.log(
        `embedded fresh-restore create (first run killed, then the re-run): ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      // Reset once: the re-run found the marker / the recorded step.
      expect(emb2Steps().filter((x) => /^restore\/[^/]+\/reset\/cp-0$/.test(x.id) && x.status === 'done')).toHaveLength(
        1,
      );

      expect((await ksctl(['switch', 'emb2'], sb.env)).code).toBe(0);
      // emb2 serves emb's objects as of the backup, not the later one.
      for (const n of ['bk-1', 'bk-2', 'bk-3']) {
        const g = await k(['get', 'configmap', n, '-o', 'jsonpath={.data.value}']);
        expect(g.stdout, `${n}: ${g.stderr}`).toBe(`${n}-data`);
      }
      expect((await k(['get', 'configmap', 'after-backup'])).stderr).toMatch(/NotFound/);
      // Its nodes are its own machines: emb's four Node objects (w-0 among them) are gone.
      const ready = await kubectl(['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=180s'], sb.env);
      expect(ready.code, ready.stderr).toBe(0);
      expect(await nodeIdentities(sb.env)).toEqual(
        ['cp-0', 'cp-1', 'cp-2'].map((n, i) => `${n} ksctl://emb2/${n} ${fresh.hosts[i + 1]!.address}`),
      );
      // emb's old kubeconfig, pointed at emb2's load balancer: emb2 serves emb's CA and trusts its client cert.
      const g = await readWithMovedKubeconfig(
        sb,
        oldKubeconfig,
        { from: lb().address, to: fresh.hosts[0]!.address },
        { name: 'bk-1' },
      );
      expect(g.code, g.stderr).toBe(0);
      expect(g.stdout).toBe('bk-1-data');
      // Back to emb for the tests that follow.
      expect((await ksctl(['switch', 'emb'], sb.env)).code).toBe(0);
    } finally {
      await fresh.teardown();
    }
  }, 900_000);

  it('delete uninstalls k3s (and its etcd) and leaves the machines', async () => {
    const del = await ksctl(['delete', 'cluster', 'emb'], sb.env);
    expect(del.code, del.stderr).toBe(0);
    for (const h of set.hosts.slice(1)) {
      const left = await h.exec('test -e /usr/local/bin/k3s && echo k3s; pgrep -x etcd >/dev/null && echo etcd; true');
      expect(left.stdout.trim(), h.name).toBe('');
    }
  }, 60_000);
});
