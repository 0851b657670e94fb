/**
 * `ksctl create cluster` on GCP (self-managed HA k3s on Compute Engine) end to end through the CLI,
 * against the FakeGcp stand-in in the ksctl subprocess (test/fakes/gcp/install.ts preload), where the
 * fake's instances ARE SSH test hosts (test/hosts): FakeGcp gives each instance the address of a host
 * (config.ipMap) and, when the instance reaches RUNNING, the cloud-init STAND-IN
 * (test/fakes/common/cloud-init-standin.ts) does on that host what cloud-init and the guest agent
 * would do with the metadata: install the ksctl-generated host key from `user-data` into sshd and
 * create the `ssh-keys` user with its key. So create runs the whole pipeline: network, firewall
 * rules → instances → bootstrap over SSH → kubeconfig.
 * Real: the CLI, the Google Cloud clients and google-gax above the transport (request shaping, LRO
 * wrapper, paging), sshd, HAProxy, etcd (TLS), kubectl.
 * Stand-ins: the Compute API (FakeGcp, virtual clock), cloud-init, k3s (air-gap dir), systemctl.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { firewallPlan } from '../../src/cloud/gcp/firewall.js';
import { clusterLabel, LABEL_CLUSTER, ownedBy, requestId } from '../../src/cloud/gcp/naming.js';
import { contextName } from '../../src/kubeconfig/naming.js';
import { buildPreload } from '../fakes/build.js';
import { CLOUD_INIT_HOSTS_ENV } from '../fakes/common/cloud-init-standin.js';
import { FakeGcp } from '../fakes/gcp/fake-gcp.js';
import { gcpSpec } from '../fakes/gcp/world.js';
import { startHosts, type TestHostSet } from '../hosts/harness.js';
import { BIN, ROOT, kubectl, sandbox, type CliResult, type Sandbox } from '../helpers/cli.js';
import { airgapDir } from '../helpers/ssh-cluster.js';

const REGION = 'us-central1';
const PROJECT = 'ksctl-fake-project';
const OPERATOR_CIDR = '198.51.100.77/32';
const SIZES = { loadBalancer: 'e2-micro', etcd: 'e2-small', controlPlane: 'e2-medium', workers: 'e2-standard-2' };

interface Env {
  set: TestHostSet;
  sb: Sandbox;
  cloud: string;
  file: string;
}

/** Machine (and instance) names the provider plans, in its order: <cluster>-<role>-<i>. */
function machineNames(name: string, etcd: number, cps: number, workers: number): string[] {
  const of = (role: string, n: number) => Array.from({ length: n }, (_, i) => `${name}-${role}-${i}`);
  return [...of('loadbalancer', 1), ...of('etcd', etcd), ...of('controlplane', cps), ...of('worker', workers)];
}

/** The clusters of this file: [etcd, control planes, workers]. */
const CLUSTERS = { gcpha: [3, 3, 2], gcpcrash: [0, 1, 1] } as const;
type ClusterName = keyof typeof CLUSTERS;

let install: string;
let shared: string;
let airgap: string;
const hostSets = new Map<ClusterName, Promise<TestHostSet>>();

beforeAll(async () => {
  // Every host set boots while the preload compiles (tsc blocks) and the air-gap dir is built.
  for (const [name, [etcd, cps, workers]] of Object.entries(CLUSTERS)) {
    const set = startHosts(machineNames(name, etcd, cps, workers).length);
    set.catch(() => undefined); // awaited below; a failure must not count as unhandled meanwhile
    hostSets.set(name as ClusterName, set);
  }
  install = await buildPreload('gcp');
  shared = mkdtempSync(path.join(tmpdir(), 'ksctl-gcp-e2e-'));
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
        provider: 'gcp',
        type: 'selfmanaged',
        region: REGION,
        distribution: 'k3s',
        kubernetesVersion: '1.31',
        loadBalancer: { size: SIZES.loadBalancer },
        etcd: { count: etcd, size: SIZES.etcd },
        controlPlane: { count: cps, size: SIZES.controlPlane },
        workers: { count: workers, size: SIZES.workers },
        network: { allowCidrs: [OPERATOR_CIDR] },
        credentials: { project: PROJECT },
        airgap: { enabled: true, dir: airgap },
      },
    }),
  );
  // The fake cloud, before any ksctl process: virtual clock (a 30 s boot costs no wall time), and
  // every machine's instance gets the address of its test host, as external and internal IP.
  const fake = new FakeGcp({ clock: 'virtual', config: { ipMap: Object.fromEntries(names.map((n, i) => [n, { privateIp: set.hosts[i]!.address, publicIp: set.hosts[i]!.address }])) } });
  const cloud = path.join(sb.dir, 'cloud.json');
  fake.save(cloud);
  Object.assign(sb.env, {
    KSCTL_FAKE_GCP_STATE: cloud,
    [CLOUD_INIT_HOSTS_ENV]: JSON.stringify(Object.fromEntries(set.hosts.map((h) => [h.address, h.holderPid]))),
    KSCTL_SSH_WAIT_SECONDS: '20',
    // Must never be read: the preload removes it (a real key file here would fail the test loudly).
    GOOGLE_APPLICATION_CREDENTIALS: path.join(sb.dir, 'no-such-key.json'),
  });
  return { set, sb, cloud, file };
}

/** The real CLI, with the FakeGcp preload. */
function ksctlGcp(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', install, BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const clusterDir = (e: Env, name: string) => path.join(e.sb.ksctlHome, 'clusters/gcp', REGION, name);
const logTail = (e: Env, name: string) => {
  try {
    return readFileSync(path.join(clusterDir(e, name), 'ksctl.log'), 'utf8').split('\n').slice(-40).join('\n');
  } catch {
    return '(no log)';
  }
};
const specOf = (name: ClusterName) => gcpSpec({ name, region: REGION });

/** Live resources of one cluster by kind: instances by label, the rest by ownership marker. */
function counts(fake: FakeGcp, name: ClusterName): Record<string, number> {
  const spec = specOf(name);
  const out: Record<string, number> = {};
  for (const r of fake.inventory()) {
    if (r.labels ? r.labels[LABEL_CLUSTER] !== clusterLabel(spec) : !ownedBy(r.description, spec)) continue;
    out[r.kind] = (out[r.kind] ?? 0) + 1;
  }
  return out;
}

const metadataOf = (fake: FakeGcp, id: string) =>
  Object.fromEntries((fake.data.instances.get(id)!.res.metadata?.items ?? []).map((i) => [i.key, i.value]));

describe('gcp self-managed through the CLI, instances are SSH test hosts', () => {
  const name = 'gcpha';
  const names = machineNames(name, ...CLUSTERS[name]); // 9 machines: LB, 3 etcd, 3 control planes, 2 workers
  let e: Env;
  beforeAll(async () => {
    e = await setUp(name);
  });
  afterAll(() => e?.sb.cleanup());
  const lb = () => e.set.hosts[0]!;

  it('creates the HA cluster: network, firewall rules, 9 instances, bootstrap over SSH, kubeconfig', async () => {
    const r = await ksctlGcp(['create', 'cluster', '-f', e.file], e.sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail(e, name)}`).toBe(0);
    expect(r.stdout).toContain(`Cluster ${name} is ready`);
    expect(r.stderr).not.toMatch(/Warning/); // e.g. Node's MaxListenersExceededWarning
    const fake = FakeGcp.load(e.cloud);
    expect(counts(fake, name)).toEqual({ network: 1, subnetwork: 1, firewall: firewallPlan(specOf(name), [OPERATOR_CIDR]).length, instance: names.length });
    // Every instance booted through the cloud-init stand-in, on its own test host.
    expect([...fake.data.instances.values()].every((x) => x.booted)).toBe(true);
    // Every insert carried its deterministic requestId (what makes a re-run safe).
    for (const c of fake.callsOf('instances:insert')) expect(c.input.requestId).toBe(requestId(specOf(name), `instance/${c.input.instanceResource.name}`));
  }, 60_000);

  it('each instance is its test host: the pinned host key is the one sshd presents, ubuntu logs in with the ssh-keys key', async () => {
    const d = JSON.parse((await ksctlGcp(['get', 'cluster', name, '-o', 'json'], e.sb.env)).stdout) as { machines: { name: string; hostKeys: string[]; sshUser: string; providerId: string }[] };
    for (const [i, n] of names.entries()) {
      const h = e.set.hosts[i]!;
      const m = d.machines.find((x) => x.name === n)!;
      expect(m.sshUser).toBe('ubuntu');
      const pub = (await h.exec('cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout.trim().split(' ').slice(0, 2).join(' ');
      expect(m.hostKeys).toEqual([pub]);
      expect(pub).not.toBe(h.hostKeyPublic.split(' ').slice(0, 2).join(' ')); // replaced at first boot
    }
    const fake = FakeGcp.load(e.cloud);
    const lbId = d.machines.find((m) => m.name === names[0])!.providerId;
    const sshKeys = String(metadataOf(fake, lbId)['ssh-keys']); // "ubuntu:ssh-ed25519 AAAA... ksctl"
    expect(sshKeys).toMatch(/^ubuntu:ssh-ed25519 /);
    expect((await lb().exec('cat /home/ubuntu/.ssh/authorized_keys')).stdout.trim()).toBe(sshKeys.slice('ubuntu:'.length));
    expect((await lb().exec('sudo -n -u ubuntu sudo -n true && echo ok')).stdout.trim()).toBe('ok');
    expect((await lb().exec('pgrep -x haproxy')).code).toBe(0);
  });

  it('switch: the context server is the load balancer, and kubectl lists the nodes through it', async () => {
    const sw = await ksctlGcp(['switch', name], e.sb.env);
    expect(sw.code, sw.stderr).toBe(0);
    const ctx = await kubectl(['config', 'current-context'], e.sb.env);
    expect(ctx.stdout.trim()).toBe(contextName({ provider: 'gcp', region: REGION, name }));
    const server = await kubectl(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'], e.sb.env);
    expect(server.stdout).toBe(`https://${lb().address}:6443`);
    const nodes = await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].metadata.name}', '--request-timeout', '20s'], e.sb.env);
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout.split(' ').sort()).toEqual(names.filter((n) => /-(controlplane|worker)-/.test(n)).sort());
  });

  it('get cluster -o json shows the GCP resources and every machine with its addresses', async () => {
    const r = await ksctlGcp(['get', 'cluster', name, '-o', 'json'], e.sb.env);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as {
      phase: string;
      machines: { name: string; role: string; status: string; providerId: string; zone: string; publicAddress: string; privateAddress: string }[];
      resources: Record<string, { kind: string; id: string }>;
      steps: { id: string; status: string }[];
    };
    expect(d.phase).toBe('ready');
    expect(d.machines.map((m) => m.name).sort()).toEqual([...names].sort());
    const fake = FakeGcp.load(e.cloud);
    for (const [i, n] of names.entries()) {
      const m = d.machines.find((x) => x.name === n)!;
      expect(m).toMatchObject({ status: 'bootstrapped', publicAddress: e.set.hosts[i]!.address, privateAddress: e.set.hosts[i]!.address });
      expect(m.providerId).toBe(`zones/${m.zone}/instances/${n}`);
      expect(fake.data.instances.get(m.providerId)?.res.labels?.['ksctl-io-machine']).toBe(n);
    }
    expect(new Set(d.machines.map((m) => m.zone)).size).toBeGreaterThan(1); // spread over the zones
    const kinds = Object.values(d.resources).map((x) => x.kind);
    for (const k of ['gcp:network', 'gcp:subnetwork', 'gcp:firewall']) expect(kinds).toContain(k);
    expect(kinds.filter((k) => k === 'gcp:instance')).toHaveLength(names.length);
    expect(d.steps.every((s) => s.status === 'done')).toBe(true);
    expect(r.stdout).not.toContain('PRIVATE KEY');
  });

  it('delete cluster leaves nothing in the fake cloud, an instance that only its label ties to the cluster included', async () => {
    // An orphan (say, from a scale-up that crashed before recording it): not in state, only labelled.
    const before = FakeGcp.load(e.cloud);
    const [id, worker] = [...before.data.instances].find(([k]) => k.endsWith(`/${name}-worker-1`))!;
    const zone = id.split('/')[1]!;
    const orphan = `zones/${zone}/instances/${name}-worker-7`;
    before.data.instances.set(orphan, { ...structuredClone(worker), res: { ...structuredClone(worker.res), name: `${name}-worker-7` } });
    before.save(e.cloud);

    const r = await ksctlGcp(['delete', 'cluster', name], e.sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const fake = FakeGcp.load(e.cloud);
    expect(fake.inventory()).toEqual([]);
    // The label sweep listed every zone of the region, and so found the orphan.
    expect(fake.callsOf('instances:list').filter((c) => c.n > before.calls.length)).toHaveLength(fake.config.regions[REGION]!.zones.length);
    const deleted = fake.callsOf('instances:delete', 'ok').map((c) => c.input.instance as string);
    expect(deleted.sort()).toEqual([...names, `${name}-worker-7`].sort());
    expect((await kubectl(['config', 'get-contexts', '-o', 'name'], e.sb.env)).stdout).not.toContain(contextName({ provider: 'gcp', region: REGION, name }));
  }, 30_000);
});

describe('gcp self-managed: SIGKILL right after instances.insert, then create again', () => {
  const name = 'gcpcrash';
  const names = machineNames(name, ...CLUSTERS[name]); // LB, 1 control plane (embedded etcd), 1 worker
  let e: Env;
  beforeAll(async () => {
    e = await setUp(name);
  });
  afterAll(() => e?.sb.cleanup());

  it('converges with one instance per machine and a working cluster', async () => {
    const armed = FakeGcp.load(e.cloud);
    armed.crashAt(1, 'after', 'instances:insert');
    armed.save(e.cloud);

    const first = await ksctlGcp(['create', 'cluster', '-f', e.file, '--no-switch'], e.sb.env);
    expect(first.signal, `${first.stdout}\n${first.stderr}`).toBe('SIGKILL');
    const crashed = FakeGcp.load(e.cloud);
    const crash = crashed.calls.filter((c) => c.outcome === 'crash');
    expect(crash.map((c) => c.op)).toEqual(['instances:insert']);
    expect(counts(crashed, name).instance).toBe(1);
    const lost = crash[0]!.input.instanceResource.name as string; // took effect; the answer never arrived

    const second = await ksctlGcp(['create', 'cluster', '-f', e.file, '--no-switch'], e.sb.env);
    expect(second.code, `${second.stdout}\n${second.stderr}\n${logTail(e, name)}`).toBe(0);
    const fake = FakeGcp.load(e.cloud);
    expect(counts(fake, name)).toMatchObject({ instance: names.length });
    // No duplicates: exactly one instance per machine name, and one insert per name ever; the
    // re-run found the lost one by name (its requestId would have deduplicated a second insert).
    expect([...fake.data.instances.values()].map((x) => x.res.name).sort()).toEqual([...names].sort());
    const inserts = fake.callsOf('instances:insert').map((c) => c.input.instanceResource.name as string);
    expect(inserts.sort()).toEqual([...names].sort());
    expect(inserts.filter((n) => n === lost)).toHaveLength(1);
    const d = JSON.parse((await ksctlGcp(['get', 'cluster', name, '-o', 'json'], e.sb.env)).stdout) as { phase: string; machines: { status: string }[] };
    expect(d.phase).toBe('ready');
    expect(d.machines.every((m) => m.status === 'bootstrapped')).toBe(true);

    const del = await ksctlGcp(['delete', 'cluster', name], e.sb.env);
    expect(del.code, del.stderr).toBe(0);
    expect(FakeGcp.load(e.cloud).inventory()).toEqual([]);
  }, 60_000);
});
