/**
 * HA k3s with external etcd on real SSH test hosts, through the CLI with the ssh provider: 1 load
 * balancer, 3 etcd, 2 control planes, 2 workers in two node pools (w-0: `gpu`, tainted; w-1: the
 * default pool, labelled; test/helpers/ssh-pools.ts). Real: sshd, HAProxy, etcd (TLS), kubectl, and what
 * the k3s launcher runs (control plane, kubelet, containerd, runc, CNI plugins), so pods run. Stand-ins:
 * the k3s binary and installer (test/standins/k3s), systemctl (test/hosts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { startHosts, type TestHostSet } from '../hosts/harness.js';
import { clusterLog, ksctl as runKsctl, kubectl, sandbox, type Sandbox } from '../helpers/cli.js';
import { builtEtcd, expectUpstreamEtcdMembers } from '../helpers/etcd-release.js';
import { checkingKubeconfigs, seedAwkwardKubeconfig } from '../helpers/kubeconfig.js';
import { airgapDir, clusterFile, writeKey, TEST_MINOR, upstreamRelease } from '../helpers/ssh-cluster.js';
import { imagesDir } from '../helpers/kubeadm-node.js';
import { expectPoolNodes, expectTaintKeepsPodOff, GPU_TOLERATION, TEST_POOLS } from '../helpers/ssh-pools.js';

// kubectl must still load the user's kubeconfig (awkward names included) after every create, switch, delete.
const ksctl = checkingKubeconfigs(runKsctl);

let set: TestHostSet;
let sb: Sandbox;
let file: string;
const roles = ['loadbalancer', 'etcd', 'etcd', 'etcd', 'controlplane', 'controlplane', 'worker', 'worker'] as const;

beforeAll(async () => {
  const client = generateSshKeyPair('ksctl-test');
  set = await startHosts(roles.length + 1, { clientKey: { private: client.privateKey, public: client.publicKey } });
  sb = sandbox();
  seedAwkwardKubeconfig(path.join(sb.home, '.kube', 'config'));
  file = path.join(sb.dir, 'cluster.yaml');
  const airgap = airgapDir(path.join(sb.dir, 'airgap'));
  // spec.airgap.images: ksctl places them in k3s's agent/images directory; k3s (here the launcher)
  // imports them at start. The pause image is the sandbox image; busybox is the workload.
  const images = ['pause.tar', 'busybox.tar'];
  for (const f of images) copyFileSync(path.join(imagesDir(), f), path.join(airgap, f));
  writeFileSync(
    file,
    clusterFile({
      name: 'ha',
      distribution: 'k3s',
      roles: [...roles],
      hosts: set.hosts,
      keyFile: writeKey(sb.dir, client.privateKey),
      airgapDir: airgap,
      airgapImages: images,
      pools: TEST_POOLS,
    }),
  );
}, 120_000);
afterAll(async () => {
  await set?.teardown();
  sb?.cleanup();
});

const lb = () => set.hosts[0]!;
/** Upstream etcdctl of the release the hosts run (Debian's is 3.4). */
const etcdctl = () => path.join(builtEtcd().binDir, 'etcdctl');
const etcdHosts = () => set.hosts.slice(1, 4);
const logTail = () => clusterLog(path.join(sb.ksctlHome, 'clusters/ssh/default/ha'));
const secret = (name: string) => path.join(sb.ksctlHome, 'clusters/ssh/default/ha/secrets', name);

describe('ssh provider, k3s, external etcd', () => {
  it('creates the HA cluster', async () => {
    const r = await ksctl(['create', 'cluster', '-f', file], sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail()}`).toBe(0);
    expect(r.stdout).toContain('Cluster ha is ready');
  }, 300_000); // the real control plane and kubelets on two shared cores

  it('runs a healthy 3-member etcd cluster over TLS, reachable with our client certificate', () => {
    const endpoints = etcdHosts()
      .map((h) => `https://${h.address}:2379`)
      .join(',');
    const tls = [
      '--cacert',
      secret('etcd-ca.crt'),
      '--cert',
      secret('etcd-apiserver-client.crt'),
      '--key',
      secret('etcd-apiserver-client.key'),
    ];
    const env = process.env;
    // etcdctl prints health to stderr.
    const health = spawnSync(etcdctl(), ['--endpoints', endpoints, ...tls, 'endpoint', 'health'], {
      env,
      encoding: 'utf8',
    });
    expect(health.status, health.stderr).toBe(0);
    expect(`${health.stdout}${health.stderr}`.match(/is healthy/g)).toHaveLength(3);
    const members = execFileSync(etcdctl(), ['--endpoints', endpoints, ...tls, 'member', 'list', '-w', 'json'], {
      env,
      encoding: 'utf8',
    });
    expect((JSON.parse(members) as { members: unknown[] }).members).toHaveLength(3);
    // Without a client certificate etcd refuses.
    expect(() =>
      execFileSync(
        etcdctl(),
        ['--endpoints', endpoints, '--cacert', secret('etcd-ca.crt'), '--command-timeout', '3s', 'member', 'list'],
        { env, stdio: 'pipe' },
      ),
    ).toThrow();
  });

  it("runs upstream etcd 3.6 (not the distribution's 3.4): binaries and every serving member", async () => {
    await expectUpstreamEtcdMembers(etcdHosts(), secret);
  });

  it('balances :6443 across both control planes with HAProxy', async () => {
    const cfg = await lb().exec('cat /etc/haproxy/haproxy.cfg');
    for (const cp of set.hosts.slice(4, 6))
      expect(cfg.stdout).toMatch(new RegExp(`server \\S+ ${cp.address.replace(/\./g, '\\.')}:6443 check`));
    expect((await lb().exec('pgrep -x haproxy')).code).toBe(0);
  });

  it('writes a kubeconfig whose server is the load balancer, and kubectl reaches the cluster through it', async () => {
    const sw = await ksctl(['switch', 'ha'], sb.env);
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
    expect(nodes.stdout.split(' ').sort()).toEqual(['cp-0', 'cp-1', 'w-0', 'w-1']);
    const kubeconfig = readFileSync(secret('kubeconfig'), 'utf8');
    expect(kubeconfig).toContain(`https://${lb().address}:6443`);
    // --kubelet-arg=provider-id: every Node maps back to its machine.
    const ids = await kubectl(
      ['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.providerID}{"\\n"}{end}'],
      sb.env,
    );
    expect(ids.stdout.trim().split('\n').sort()).toEqual([
      'cp-0=ksctl://ha/cp-0',
      'cp-1=ksctl://ha/cp-1',
      'w-0=ksctl://ha/w-0',
      'w-1=ksctl://ha/w-1',
    ]);
  });

  it('runs real Kubernetes: every node Ready (the real kubelet on containerd), servers labelled by role', async () => {
    const ready = await kubectl(['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=180s'], sb.env);
    if (ready.code !== 0) {
      const conditions = await kubectl(
        [
          'get',
          'nodes',
          '-o',
          'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")]}{"\\n"}{end}',
        ],
        sb.env,
      );
      const kubelet = await set.hosts[6]!.exec('tail -n 30 /var/lib/rancher/k3s/agent/logs/kubelet.log');
      expect.fail(`${ready.stderr}\n${conditions.stdout}\nw-0 kubelet:\n${kubelet.stdout}`);
    }
    const info = await kubectl(
      [
        'get',
        'nodes',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name} {.status.nodeInfo.kubeletVersion} {.status.nodeInfo.containerRuntimeVersion} control-plane={.metadata.labels.node-role\\.kubernetes\\.io/control-plane}{"\\n"}{end}',
      ],
      sb.env,
    );
    expect(info.stdout.trim().split('\n').sort()).toEqual([
      'cp-0 v1.37.2 containerd://2.4.2 control-plane=true',
      'cp-1 v1.37.2 containerd://2.4.2 control-plane=true',
      'w-0 v1.37.2 containerd://2.4.2 control-plane=',
      'w-1 v1.37.2 containerd://2.4.2 control-plane=',
    ]);
    // The API server is the real one: its version, and the controller-manager has given every node a pod CIDR.
    const version = await kubectl(['version', '-o', 'json'], sb.env);
    expect((JSON.parse(version.stdout) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion).toBe(
      'v1.37.2',
    );
    const cidrs = await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].spec.podCIDR}'], sb.env);
    expect(cidrs.stdout.split(' ').filter((c) => /^10\.42\.\d+\.0\/24$/.test(c))).toHaveLength(4);
  }, 200_000);

  it("runs pods on the agents: a Deployment from the air-gap images, each pod with an address in its node's pod CIDR", async () => {
    const manifest = path.join(sb.dir, 'sleeper.yaml');
    writeFileSync(
      manifest,
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'sleeper', namespace: 'default' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'sleeper' } },
          template: {
            metadata: { labels: { app: 'sleeper' } },
            spec: {
              terminationGracePeriodSeconds: 1,
              // The gpu pool's taint is tolerated, so both agents take one.
              tolerations: [GPU_TOLERATION],
              // Agents only, one pod on each.
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [
                      {
                        matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }],
                      },
                    ],
                  },
                },
                podAntiAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: [
                    { labelSelector: { matchLabels: { app: 'sleeper' } }, topologyKey: 'kubernetes.io/hostname' },
                  ],
                },
              },
              containers: [
                {
                  name: 'sleeper',
                  image: 'ksctl.test/busybox:1.35',
                  imagePullPolicy: 'Never', // only the imported image can run: nothing is pulled
                  command: ['sh', '-c', 'echo started; exec sleep 3600'],
                },
              ],
            },
          },
        },
      }),
    );
    const apply = await kubectl(['apply', '-f', manifest], sb.env);
    expect(apply.code, apply.stderr).toBe(0);
    const ready = await kubectl(
      ['rollout', 'status', 'deployment/sleeper', '--timeout=150s', '--request-timeout', '20s'],
      sb.env,
    );
    if (ready.code !== 0) {
      const describe = await kubectl(['describe', 'pods', '-l', 'app=sleeper'], sb.env);
      const containerd = await set.hosts[6]!.exec('tail -n 30 /var/lib/rancher/k3s/agent/logs/containerd.log');
      expect.fail(`${ready.stderr}\n${describe.stdout.slice(-3000)}\nw-0 containerd:\n${containerd.stdout}`);
    }
    const pods = await kubectl(
      [
        'get',
        'pods',
        '-l',
        'app=sleeper',
        '-o',
        'jsonpath={range .items[*]}{.spec.nodeName} {.status.phase} {.status.podIP}{"\\n"}{end}',
      ],
      sb.env,
    );
    const rows = pods.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .sort((x, y) => x[0]!.localeCompare(y[0]!));
    expect(rows.map(([node, phase]) => `${node} ${phase}`)).toEqual(['w-0 Running', 'w-1 Running']);
    for (const [node, , ip] of rows) {
      const cidr = (await kubectl(['get', 'node', node!, '-o', 'jsonpath={.spec.podCIDR}'], sb.env)).stdout;
      // A /24: the pod's address shares the first three octets (the bridge CNI's host-local range).
      expect(ip, `${node} pod IP in ${cidr}`).toMatch(
        new RegExp(`^${cidr.split('.').slice(0, 3).join('\\.')}\\.\\d+$`),
      );
    }
    // The container really ran: its output comes back through the kubelet's log endpoint.
    const logs = await kubectl(['logs', 'deployment/sleeper'], sb.env);
    expect(logs.stdout.trim(), logs.stderr).toBe('started');
    const del = await kubectl(['delete', 'deployment', 'sleeper', '--wait=true', '--timeout=60s'], sb.env);
    expect(del.code, del.stderr).toBe(0);
  }, 240_000);

  it("gives each worker its pool's labels and taints at registration; untolerating pods stay off the tainted pool", async () => {
    await expectPoolNodes(sb.env, 'ha');
    await expectTaintKeepsPodOff(sb.env, sb.dir, writeFileSync);
    // The agents' k3s config carries them (node-label / node-taint), control planes none.
    const w0 = (await set.hosts[6]!.exec('cat /etc/rancher/k3s/config.yaml')).stdout;
    expect(parse(w0)).toMatchObject({
      'node-label': ['example.com/accel=gpu', 'ksctl.io/pool=gpu'],
      'node-taint': ['example.com/gpu=true:NoSchedule'],
    });
    expect((await set.hosts[4]!.exec('cat /etc/rancher/k3s/config.yaml')).stdout).not.toContain('node-label');
  }, 120_000);

  it('describes machines, versions and every step', async () => {
    const d = JSON.parse((await ksctl(['get', 'cluster', 'ha', '-o', 'json'], sb.env)).stdout) as {
      phase: string;
      machines: {
        name: string;
        role: string;
        status: string;
        hostKeys: string[];
        installed?: { kubernetes: string; distribution: string };
      }[];
      steps: { id: string; status: string }[];
      versions: Record<string, string>;
    };
    expect(d.phase).toBe('ready');
    expect(d.machines).toHaveLength(8);
    expect(d.machines.every((m) => m.status === 'bootstrapped' && m.hostKeys.length === 1)).toBe(true);
    expect(d.steps.every((s) => s.status === 'done')).toBe(true);
    // Asked for the minor; the machines run the newest patch the channel named, read back from each.
    const k3s = upstreamRelease('k3s-channel', `v${TEST_MINOR}`);
    const kube = k3s.split('+')[0]!;
    expect(d.versions).toMatchObject({ requested: TEST_MINOR, kubernetes: kube, k3s, distribution: 'k3s' });
    const nodes = d.machines.filter((m) => m.role === 'controlplane' || m.role === 'worker');
    expect(nodes).toHaveLength(4);
    for (const m of nodes) expect(m.installed, m.name).toMatchObject({ kubernetes: kube, distribution: k3s });
    expect(
      d.machines
        .filter((m) => m.installed === undefined)
        .map((m) => m.role)
        .sort(),
    ).toEqual(['etcd', 'etcd', 'etcd', 'loadbalancer']);
    const text = (await ksctl(['get', 'cluster', 'ha'], sb.env)).stdout;
    expect(text).toContain(`Kubernetes:   ${kube} (asked for ${TEST_MINOR})`);
    expect(text).toMatch(
      new RegExp(`w-1 .* bootstrapped +${kube.replace(/\./g, '\\.')} \\(${k3s.replace(/[.+]/g, '\\$&')}\\)`),
    );
  });

  it('joined servers and agents pin the cluster CA with the K10 hash from the first server', async () => {
    const cp0Token = (await set.hosts[4]!.exec('cat /var/lib/rancher/k3s/server/token')).stdout.trim();
    const hash = /^K10([0-9a-f]{64})::server:/.exec(cp0Token)?.[1];
    expect(hash, cp0Token.slice(0, 8)).toBeDefined();
    expect(readFileSync(secret('k3s-ca-hash'), 'utf8').trim()).toBe(hash);
    for (const h of [set.hosts[5]!, set.hosts[6]!, set.hosts[7]!]) {
      const token = (await h.exec('cat /etc/rancher/k3s/ksctl-token')).stdout.trim();
      expect(token.startsWith(`K10${hash}::server:`)).toBe(true);
    }
  });

  it('removes a worker (drained and deleted from the cluster) and adds it back', async () => {
    const rm = await ksctl(['delete', 'worker', 'ha', 'w-1'], sb.env);
    expect(rm.code, `${rm.stderr}\n${logTail()}`).toBe(0);
    const names = async () =>
      (await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}'], sb.env)).stdout.split(' ').sort();
    expect(await names()).toEqual(['cp-0', 'cp-1', 'w-0']);
    expect((await set.hosts[7]!.exec('test -e /usr/local/bin/k3s')).code).not.toBe(0); // uninstalled
    let d = JSON.parse((await ksctl(['get', 'cluster', 'ha', '-o', 'json'], sb.env)).stdout) as {
      workers: number;
      machines: { name: string }[];
    };
    expect(d.workers).toBe(0); // spec.workers is the default pool: w-0 is in gpu
    expect(d.machines.map((m) => m.name)).not.toContain('w-1');

    const h = set.hosts[7]!;
    const add = await ksctl(
      [
        'add',
        'worker',
        'ha',
        '--name',
        'w-1',
        '--address',
        h.address,
        '--key-file',
        path.join(sb.dir, 'id_ed25519'),
        '--host-key',
        h.hostKeyPublic,
      ],
      sb.env,
    );
    expect(add.code, `${add.stderr}\n${logTail()}`).toBe(0);
    expect(await names()).toEqual(['cp-0', 'cp-1', 'w-0', 'w-1']);
    d = JSON.parse((await ksctl(['get', 'cluster', 'ha', '-o', 'json'], sb.env)).stdout) as {
      workers: number;
      machines: { name: string }[];
    };
    expect(d.workers).toBe(1);
    // Back in the default pool: registered with its label again.
    const tier = await kubectl(['get', 'node', 'w-1', '-o', 'jsonpath={.metadata.labels.example\\.com/tier}'], sb.env);
    expect(tier.stdout).toBe('web');
  }, 120_000);

  it('adds a brand-new machine as a worker', async () => {
    const h = set.hosts[8]!;
    const add = await ksctl(
      ['add', 'worker', 'ha', '--name', 'w-2', '--address', h.address, '--key-file', path.join(sb.dir, 'id_ed25519')],
      sb.env,
    );
    expect(add.code, `${add.stderr}\n${logTail()}`).toBe(0);
    const nodes = await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}'], sb.env);
    expect(nodes.stdout.split(' ')).toContain('w-2');
    const id = await kubectl(['get', 'node', 'w-2', '-o', 'jsonpath={.spec.providerID}'], sb.env);
    expect(id.stdout).toBe('ksctl://ha/w-2');
    // No host key was given: the first one seen is pinned in state.
    const d = JSON.parse((await ksctl(['get', 'cluster', 'ha', '-o', 'json'], sb.env)).stdout) as {
      machines: { name: string; hostKeys: string[] }[];
    };
    expect(d.machines.find((m) => m.name === 'w-2')?.hostKeys).toEqual([
      h.hostKeyPublic.split(' ').slice(0, 2).join(' '),
    ]);
  }, 120_000);

  it('delete uninstalls Kubernetes and etcd and leaves the machines', async () => {
    const del = await ksctl(['delete', 'cluster', 'ha'], sb.env);
    expect(del.code, `${del.stderr}`).toBe(0);
    for (const h of set.hosts.slice(1, 9)) {
      const r = await h.exec('test -e /usr/local/bin/k3s || test -e /etc/systemd/system/ksctl-etcd.service; echo $?');
      expect(r.stdout.trim()).toBe('1');
      expect((await h.exec('true')).code).toBe(0); // still up
    }
    expect((await kubectl(['config', 'get-contexts', '-o', 'name'], sb.env)).stdout).not.toContain(
      'ksctl-ssh-default-ha',
    );
  }, 120_000);
});
