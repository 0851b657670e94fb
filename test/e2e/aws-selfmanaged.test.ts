/**
 * `ksctl create cluster` on AWS (self-managed HA k3s) end to end through the CLI, against the FakeAws
 * stand-in in the ksctl subprocess (test/fakes/aws/install.ts preload), where the fake's EC2
 * instances ARE SSH test hosts (test/hosts): FakeAws gives each instance the address of a host
 * (config.ipMap) and, when the instance reaches `running`, the cloud-init STAND-IN
 * (test/fakes/common/cloud-init-standin.ts) does on that host what cloud-init would do with the user
 * data: install the ksctl-generated host key into sshd and create `ubuntu` with the cluster's key pair.
 * So create runs the whole pipeline: network → machines → bootstrap over SSH → kubeconfig.
 * Real: the CLI, the AWS SDK (serialisation, retries), sshd, HAProxy, etcd (TLS), kubectl.
 * Stand-ins: the AWS APIs (FakeAws, virtual clock), cloud-init, k3s (air-gap dir), systemctl.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildFakeAws } from '../fakes/aws/build.js';
import { CLOUD_INIT_HOSTS_ENV } from '../fakes/common/cloud-init-standin.js';
import { FakeAws } from '../fakes/aws/fake-aws.js';
import { contextName } from '../../src/kubeconfig/naming.js';
import { startHosts, type TestHostSet } from '../hosts/harness.js';
import { BIN, ROOT, kubectl, sandbox, type CliResult, type Sandbox } from '../helpers/cli.js';
import { airgapDir } from '../helpers/ssh-cluster.js';

const REGION = 'us-east-1';
const OPERATOR_CIDR = '198.51.100.77/32';

interface Env {
  set: TestHostSet;
  sb: Sandbox;
  cloud: string;
  file: string;
}

/** Machine names the AWS provider plans, in its order: <cluster>-<role>-<i>. */
function machineNames(name: string, etcd: number, cps: number, workers: number): string[] {
  const of = (role: string, n: number) => Array.from({ length: n }, (_, i) => `${name}-${role}-${i}`);
  return [...of('loadbalancer', 1), ...of('etcd', etcd), ...of('controlplane', cps), ...of('worker', workers)];
}

/** The clusters of this file: [etcd, control planes, workers]. */
const CLUSTERS = { awsha: [3, 3, 2], awscrash: [0, 1, 1] } as const;
type ClusterName = keyof typeof CLUSTERS;

let install: string;
let shared: string;
let airgap: string;
const hostSets = new Map<ClusterName, Promise<TestHostSet>>();

beforeAll(async () => {
  // Every host set boots while the preload compiles (buildFakeAws blocks) and the air-gap dir is built.
  for (const [name, [etcd, cps, workers]] of Object.entries(CLUSTERS)) {
    const set = startHosts(machineNames(name, etcd, cps, workers).length);
    set.catch(() => undefined); // awaited below; a failure must not count as unhandled meanwhile
    hostSets.set(name as ClusterName, set);
  }
  install = (await buildFakeAws()).install;
  shared = mkdtempSync(path.join(tmpdir(), 'ksctl-aws-e2e-'));
  airgap = airgapDir(path.join(shared, 'airgap'));
  await Promise.all(hostSets.values());
}, 120_000);
afterAll(async () => {
  await Promise.all([...hostSets.values()].map((p) => p.then((s) => s.teardown(), () => undefined)));
  if (shared) rmSync(shared, { recursive: true, force: true });
});

async function setUp(name: ClusterName): Promise<Env> {
  const [etcd, cps, workers] = CLUSTERS[name];
  const names = machineNames(name, etcd, cps, workers);
  const set = await hostSets.get(name)!;
  const sb = sandbox();
  const file = path.join(sb.dir, 'cluster.yaml');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'ksctl.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name },
      spec: {
        provider: 'aws',
        type: 'selfmanaged',
        region: REGION,
        distribution: 'k3s',
        kubernetesVersion: '1.31',
        loadBalancer: { size: 't3.micro' },
        etcd: { count: etcd, size: 't3.small' },
        controlPlane: { count: cps, size: 't3.medium' },
        workers: { count: workers, size: 't3.large' },
        network: { allowCidrs: [OPERATOR_CIDR] },
        airgap: { enabled: true, dir: airgap },
      },
    }),
  );
  // The fake cloud, before any ksctl process: virtual clock (instance start 30 s costs no wall time),
  // and every machine's instance gets the address of its test host.
  const fake = new FakeAws({ clock: 'virtual', config: { ipMap: Object.fromEntries(names.map((n, i) => [n, { privateIp: set.hosts[i]!.address, publicIp: set.hosts[i]!.address }])) } });
  const cloud = path.join(sb.dir, 'cloud.json');
  fake.save(cloud);
  Object.assign(sb.env, {
    KSCTL_FAKE_AWS_STATE: cloud,
    [CLOUD_INIT_HOSTS_ENV]: JSON.stringify(Object.fromEntries(set.hosts.map((h) => [h.address, h.holderPid]))),
    KSCTL_SSH_WAIT_SECONDS: '20',
  });
  return { set, sb, cloud, file };
}

/** The real CLI, with the FakeAws preload. */
function ksctlAws(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', install, BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const clusterDir = (e: Env, name: string) => path.join(e.sb.ksctlHome, 'clusters/aws', REGION, name);
const logTail = (e: Env, name: string) => {
  try {
    return readFileSync(path.join(clusterDir(e, name), 'ksctl.log'), 'utf8').split('\n').slice(-40).join('\n');
  } catch {
    return '(no log)';
  }
};
const clusterKey = (name: string) => `aws/${REGION}/${name}`;

describe('aws self-managed through the CLI, instances are SSH test hosts', () => {
  const name = 'awsha';
  const names = machineNames(name, ...CLUSTERS[name]); // 9 machines: LB, 3 etcd, 3 control planes, 2 workers
  let e: Env;
  beforeAll(async () => {
    e = await setUp(name);
  });
  afterAll(() => e?.sb.cleanup());
  const lb = () => e.set.hosts[0]!;

  it('creates the HA cluster: network, 9 instances, bootstrap over SSH, kubeconfig', async () => {
    const r = await ksctlAws(['create', 'cluster', '-f', e.file], e.sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail(e, name)}`).toBe(0);
    expect(r.stdout).toContain(`Cluster ${name} is ready`);
    expect(r.stderr).not.toMatch(/Warning/); // e.g. Node's MaxListenersExceededWarning
    const fake = FakeAws.load(e.cloud);
    expect(fake.counts(clusterKey(name))).toEqual({ vpc: 1, subnet: 3, 'internet-gateway': 1, 'route-table': 1, 'security-group': 4, 'key-pair': 1, instance: names.length, volume: names.length });
    // Every instance booted through the cloud-init stand-in, on its own test host.
    expect(Object.values(fake.data.instances).every((x) => x.booted)).toBe(true);
  }, 60_000);

  it('each instance is its test host: the pinned host key is the one sshd presents, ubuntu logs in with the cluster key', async () => {
    const d = JSON.parse((await ksctlAws(['get', 'cluster', name, '-o', 'json'], e.sb.env)).stdout) as { machines: { name: string; hostKeys: string[]; sshUser: string }[] };
    for (const [i, n] of names.entries()) {
      const h = e.set.hosts[i]!;
      const m = d.machines.find((x) => x.name === n)!;
      expect(m.sshUser).toBe('ubuntu');
      const pub = (await h.exec('cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout.trim().split(' ').slice(0, 2).join(' ');
      expect(m.hostKeys).toEqual([pub]);
      expect(pub).not.toBe(h.hostKeyPublic.split(' ').slice(0, 2).join(' ')); // replaced at first boot
    }
    const fake = FakeAws.load(e.cloud);
    const keyPair = Object.values(fake.data.keyPairs).find((k) => k.tags['ksctl.io/cluster'] === clusterKey(name))!;
    expect((await lb().exec('cat /home/ubuntu/.ssh/authorized_keys')).stdout.trim()).toBe(keyPair.publicKey);
    expect((await lb().exec('sudo -n -u ubuntu sudo -n true && echo ok')).stdout.trim()).toBe('ok');
    expect((await lb().exec('pgrep -x haproxy')).code).toBe(0);
  });

  it('switch: the context server is the load balancer, and kubectl lists the nodes through it', async () => {
    const sw = await ksctlAws(['switch', name], e.sb.env);
    expect(sw.code, sw.stderr).toBe(0);
    const ctx = await kubectl(['config', 'current-context'], e.sb.env);
    expect(ctx.stdout.trim()).toBe(contextName({ provider: 'aws', region: REGION, name }));
    const server = await kubectl(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'], e.sb.env);
    expect(server.stdout).toBe(`https://${lb().address}:6443`);
    const nodes = await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}', '--request-timeout', '20s'], e.sb.env);
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout.split(' ').sort()).toEqual(names.filter((n) => /-(controlplane|worker)-/.test(n)).sort());
  });

  it('get cluster -o json shows the AWS resources and every machine with its addresses', async () => {
    const r = await ksctlAws(['get', 'cluster', name, '-o', 'json'], e.sb.env);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as {
      phase: string;
      machines: { name: string; role: string; status: string; providerId: string; publicAddress: string; privateAddress: string }[];
      resources: Record<string, { kind: string; id: string }>;
      steps: { id: string; status: string }[];
    };
    expect(d.phase).toBe('ready');
    expect(d.machines.map((m) => m.name).sort()).toEqual([...names].sort());
    const fake = FakeAws.load(e.cloud);
    for (const [i, n] of names.entries()) {
      const m = d.machines.find((x) => x.name === n)!;
      expect(m).toMatchObject({ status: 'bootstrapped', publicAddress: e.set.hosts[i]!.address, privateAddress: e.set.hosts[i]!.address });
      expect(fake.data.instances[m.providerId]?.tags.Name).toBe(n);
    }
    const kinds = Object.values(d.resources).map((x) => x.kind);
    for (const k of ['aws:vpc', 'aws:subnet', 'aws:internet-gateway', 'aws:route-table', 'aws:security-group', 'aws:key-pair']) expect(kinds).toContain(k);
    expect(kinds.filter((k) => k === 'aws:instance')).toHaveLength(names.length);
    expect(d.steps.every((s) => s.status === 'done')).toBe(true);
    expect(r.stdout).not.toContain('PRIVATE KEY');
  });

  it('delete cluster leaves nothing in the fake cloud', async () => {
    const r = await ksctlAws(['delete', 'cluster', name], e.sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const fake = FakeAws.load(e.cloud);
    expect(fake.inventory()).toEqual([]);
    expect(Object.values(fake.data.instances).every((x) => x.state === 'terminated')).toBe(true);
    expect((await kubectl(['config', 'get-contexts', '-o', 'name'], e.sb.env)).stdout).not.toContain(contextName({ provider: 'aws', region: REGION, name }));
  }, 30_000);
});

describe('aws self-managed: SIGKILL right after RunInstances, then create again', () => {
  const name = 'awscrash';
  const names = machineNames(name, ...CLUSTERS[name]); // LB, 1 control plane (embedded etcd), 1 worker
  let e: Env;
  beforeAll(async () => {
    e = await setUp(name);
  });
  afterAll(() => e?.sb.cleanup());

  it('converges with one instance per machine and a working cluster', async () => {
    const armed = FakeAws.load(e.cloud);
    armed.crashAt(1, 'after', 'ec2:RunInstances');
    armed.save(e.cloud);

    const first = await ksctlAws(['create', 'cluster', '-f', e.file, '--no-switch'], e.sb.env);
    expect(first.signal, `${first.stdout}\n${first.stderr}`).toBe('SIGKILL');
    const crashed = FakeAws.load(e.cloud);
    expect(crashed.calls.filter((c) => c.outcome === 'crash').map((c) => c.op)).toEqual(['RunInstances']);
    expect(crashed.counts(clusterKey(name)).instance).toBe(1);

    const second = await ksctlAws(['create', 'cluster', '-f', e.file, '--no-switch'], e.sb.env);
    expect(second.code, `${second.stdout}\n${second.stderr}\n${logTail(e, name)}`).toBe(0);
    const fake = FakeAws.load(e.cloud);
    expect(fake.counts(clusterKey(name))).toMatchObject({ instance: names.length, volume: names.length });
    // No duplicates: exactly one instance (ever) per machine name.
    const byName = Object.values(fake.data.instances).map((x) => x.tags.Name).sort();
    expect(byName).toEqual([...names].sort());
    const d = JSON.parse((await ksctlAws(['get', 'cluster', name, '-o', 'json'], e.sb.env)).stdout) as { phase: string; machines: { status: string }[] };
    expect(d.phase).toBe('ready');
    expect(d.machines.every((m) => m.status === 'bootstrapped')).toBe(true);

    const del = await ksctlAws(['delete', 'cluster', name], e.sb.env);
    expect(del.code, del.stderr).toBe(0);
    expect(FakeAws.load(e.cloud).inventory()).toEqual([]);
  }, 60_000);
});
