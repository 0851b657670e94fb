/**
 * What the cloud e2e files (test/e2e/{aws,azure,gcp}-selfmanaged.test.ts) share: one host set per
 * cluster of the file, booted while the fake's subprocess preload compiles (test/fakes/build.ts) and
 * the air-gap directory is built; a sandbox per cluster with its cluster file, a fresh fake cloud
 * whose machines get their test hosts' addresses, and the cloud-init stand-in's host map; and the
 * real CLI run with the preload (`node --import <install.js> bin/ksctl.js ...`).
 * Call `cloudE2e` at the top of a test file: it registers the file's beforeAll/afterAll.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { stringify } from 'yaml';
import { buildPreload, type FakeCloud } from '../fakes/build.js';
import { CLOUD_INIT_HOSTS_ENV } from '../fakes/common/cloud-init-standin.js';
import { startHosts, type TestHostSet } from '../hosts/harness.js';
import { contextName } from '../../src/kubeconfig/naming.js';
import { BIN, ROOT, clusterLog, kubectl, sandbox, type CliResult, type Sandbox } from './cli.js';
import { builtEtcdRelease } from './etcd-release.js';
import { checkingKubeconfigs, seedAwkwardKubeconfig } from './kubeconfig.js';
import { airgapDir, TEST_MINOR } from './ssh-cluster.js';

/** A cluster's machines: [etcd, control planes, workers] (plus one load balancer). */
export type Shape = readonly [etcd: number, controlPlanes: number, workers: number];

/** Machine names every cloud provider plans, in its order: <cluster>-<role>-<i>. */
export function machineNames(name: string, [etcd, cps, workers]: Shape): string[] {
  const of = (role: string, n: number) => Array.from({ length: n }, (_, i) => `${name}-${role}-${i}`);
  return [...of('loadbalancer', 1), ...of('etcd', etcd), ...of('controlplane', cps), ...of('worker', workers)];
}

export interface CloudE2eOptions<N extends string> {
  cloud: FakeCloud;
  region: string;
  clusters: Record<N, Shape>;
  /** Machines a cluster gets on day 2 (`add worker`): each has a host of its own, after the planned ones. */
  extraMachines?: Partial<Record<N, readonly string[]>>;
  sizes: { loadBalancer: string; etcd: string; controlPlane: string; workers: string };
  /** The operator CIDR written as `network.allowCidrs` (no lookup). */
  operatorCidr: string;
  /** More spec fields (e.g. `credentials`). */
  spec?: Record<string, unknown>;
  /** The variable the preload reads the fake's state file from. */
  stateEnv: string;
  /** Writes a fresh fake cloud to `file`, in which machine `name` gets address `addresses[name]`. */
  saveFake(file: string, addresses: Record<string, string>): void;
  /** More environment for this cloud's ksctl processes. */
  env?(sb: Sandbox): Record<string, string>;
}

/** One cluster of the file, set up: its hosts (in machineNames order), sandbox, fake state and cluster file. */
export interface CloudCluster {
  name: string;
  names: string[];
  /** Its day-2 machines (`extraMachines`); machine `extra[i]` is host `names.length + i`. */
  extra: string[];
  set: TestHostSet;
  sb: Sandbox;
  /** The fake cloud's state file. */
  cloud: string;
  /** The cluster file. */
  file: string;
  /** The last lines of the cluster's ksctl.log, for failure messages. */
  logTail(): string;
}

export function cloudE2e<N extends string>(o: CloudE2eOptions<N>) {
  let install: string;
  let shared: string;
  let airgap: string;
  const hostSets = new Map<N, Promise<TestHostSet>>();

  beforeAll(async () => {
    for (const [name, shape] of Object.entries(o.clusters) as [N, Shape][]) {
      const set = startHosts(machineNames(name, shape).length + (o.extraMachines?.[name]?.length ?? 0));
      set.catch(() => undefined); // awaited below; a failure must not count as unhandled meanwhile
      hostSets.set(name, set);
    }
    install = await buildPreload(o.cloud);
    shared = mkdtempSync(path.join(tmpdir(), `ksctl-${o.cloud}-e2e-`));
    airgap = airgapDir(path.join(shared, 'airgap'));
    await Promise.all(hostSets.values());
  }, 120_000);
  afterAll(async () => {
    await Promise.all(
      [...hostSets.values()].map((p) =>
        p.then(
          (s) => s.teardown(),
          () => undefined,
        ),
      ),
    );
    if (shared) rmSync(shared, { recursive: true, force: true });
  });

  async function setUp(name: N): Promise<CloudCluster> {
    const [etcd, cps, workers] = o.clusters[name];
    const names = machineNames(name, o.clusters[name]);
    const extra = [...(o.extraMachines?.[name] ?? [])];
    const set = await hostSets.get(name)!;
    const sb = sandbox();
    seedAwkwardKubeconfig(path.join(sb.home, '.kube', 'config'));
    const file = path.join(sb.dir, 'cluster.yaml');
    const spec = {
      provider: o.cloud,
      type: 'selfmanaged',
      region: o.region,
      distribution: 'k3s',
      kubernetesVersion: TEST_MINOR,
      loadBalancer: { size: o.sizes.loadBalancer },
      etcd: { count: etcd, size: o.sizes.etcd, ...(etcd > 0 ? { release: builtEtcdRelease() } : {}) },
      controlPlane: { count: cps, size: o.sizes.controlPlane },
      workers: { count: workers, size: o.sizes.workers },
      network: { allowCidrs: [o.operatorCidr] },
      // The fake clouds' VMs are SSH test hosts sharing this machine's cgroup hierarchy (v1 here).
      kubelet: { allowCgroupV1: true },
      ...o.spec,
      airgap: { enabled: true, dir: airgap },
    };
    writeFileSync(file, stringify({ apiVersion: 'ksctl.io/v1alpha1', kind: 'Cluster', metadata: { name }, spec }));
    const cloud = path.join(sb.dir, 'cloud.json');
    o.saveFake(cloud, Object.fromEntries([...names, ...extra].map((n, i) => [n, set.hosts[i]!.address])));
    Object.assign(sb.env, {
      [o.stateEnv]: cloud,
      [CLOUD_INIT_HOSTS_ENV]: JSON.stringify(Object.fromEntries(set.hosts.map((h) => [h.address, h.holderPid]))),
      KSCTL_SSH_WAIT_SECONDS: '20',
      ...o.env?.(sb),
    });
    const logTail = () => clusterLog(path.join(sb.ksctlHome, 'clusters', o.cloud, o.region, name), 40);
    return { name, names, extra, set, sb, cloud, file, logTail };
  }

  /** The real CLI, with the fake's preload; kubectl must still load the kubeconfig after each command that writes it. */
  const ksctl = checkingKubeconfigs(runKsctl);
  function runKsctl(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', install, BIN, ...args], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
  }

  return { setUp, ksctl };
}

type Ksctl = (args: string[], env: NodeJS.ProcessEnv) => Promise<CliResult>;
const keyOnly = (line: string) => line.trim().split(' ').slice(0, 2).join(' ');

/**
 * Each VM is its test host: the host key ksctl pinned is the one that host's sshd presents (replaced at
 * first boot by the cloud-init stand-in), and the login user `ubuntu` has `authorizedKey` and
 * passwordless sudo; HAProxy runs on the load balancer.
 */
export async function expectVmsAreTheirHosts(c: CloudCluster, ksctl: Ksctl, authorizedKey: string): Promise<void> {
  const d = JSON.parse((await ksctl(['get', 'cluster', c.name, '-o', 'json'], c.sb.env)).stdout) as {
    machines: { name: string; hostKeys: string[]; sshUser: string }[];
  };
  for (const [i, n] of c.names.entries()) {
    const h = c.set.hosts[i]!;
    const m = d.machines.find((x) => x.name === n)!;
    expect(m.sshUser).toBe('ubuntu');
    const pub = keyOnly((await h.exec('cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout);
    expect(m.hostKeys).toEqual([pub]);
    expect(pub).not.toBe(keyOnly(h.hostKeyPublic)); // replaced at first boot
  }
  const lb = c.set.hosts[0]!;
  expect((await lb.exec('cat /home/ubuntu/.ssh/authorized_keys')).stdout.trim()).toBe(authorizedKey.trim());
  expect((await lb.exec('sudo -n -u ubuntu sudo -n true && echo ok')).stdout.trim()).toBe('ok');
  expect((await lb.exec('pgrep -x haproxy')).code).toBe(0);
}

/** `ksctl switch`: the context's server is the load balancer, and kubectl lists every node through it. */
export async function expectSwitchThroughLb(
  c: CloudCluster,
  ksctl: Ksctl,
  provider: FakeCloud,
  region: string,
  /** Nodes beyond the planned shape's: machines of other node pools (`<cluster>-<pool>-<n>`). */
  poolNodes: string[] = [],
): Promise<void> {
  const sw = await ksctl(['switch', c.name], c.sb.env);
  expect(sw.code, sw.stderr).toBe(0);
  const ctx = await kubectl(['config', 'current-context'], c.sb.env);
  expect(ctx.stdout.trim()).toBe(contextName({ provider, region, name: c.name }));
  const server = await kubectl(
    ['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'],
    c.sb.env,
  );
  expect(server.stdout).toBe(`https://${c.set.hosts[0]!.address}:6443`);
  const nodes = await kubectl(
    ['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}', '--request-timeout', '20s'],
    c.sb.env,
  );
  expect(nodes.code, nodes.stderr).toBe(0);
  expect(nodes.stdout.split(' ').sort()).toEqual(
    [...c.names.filter((n) => /-(controlplane|worker)-/.test(n)), ...poolNodes].sort(),
  );
  // Every Node carries its machine's provider ID, in the cloud's own form (k3s: --kubelet-arg=provider-id).
  const ids = await kubectl(
    ['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.providerID}{"\\n"}{end}'],
    c.sb.env,
  );
  const state = JSON.parse(
    readFileSync(path.join(c.sb.ksctlHome, 'clusters', provider, region, c.name, 'state.json'), 'utf8'),
  ) as {
    machines: Record<string, { name: string; role: string; nodeProviderId?: string }>;
  };
  const want = Object.values(state.machines)
    .filter((m) => m.role === 'controlplane' || m.role === 'worker')
    .map((m) => `${m.name}=${m.nodeProviderId}`);
  expect(ids.stdout.trim().split('\n').sort()).toEqual(want.sort());
  const form = {
    aws: /=aws:\/\/\/[a-z]{2}-[a-z]+-\d[a-z]\/i-[0-9a-f]+$/,
    azure:
      /=azure:\/\/\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+$/,
    gcp: /=gce:\/\/[^/]+\/[a-z]+-[a-z]+\d-[a-z]\/[^/]+$/,
  }[provider];
  for (const w of want) expect(w).toMatch(form);
}
