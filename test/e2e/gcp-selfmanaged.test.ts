/**
 * `ksctl create cluster` on GCP (self-managed HA k3s on Compute Engine) end to end through the CLI,
 * against the FakeGcp stand-in in the ksctl subprocess (test/fakes/gcp/install.ts preload), where the
 * fake's instances ARE SSH test hosts (test/hosts): FakeGcp gives each instance the address of a host
 * (config.ipMap) and, when the instance reaches RUNNING, the cloud-init STAND-IN
 * (test/fakes/common/cloud-init-standin.ts) does on that host what cloud-init and the guest agent
 * would do with the metadata: install the ksctl-generated host key from `user-data` into sshd and
 * create the `ssh-keys` user with its key. So create runs the whole pipeline: network, firewall
 * rules → instances → bootstrap over SSH → kubeconfig. Day 2 on the same cluster: `backup
 * create|list|restore` to GCS on fake-gcs-server (test/helpers/cloud-backup.ts), `certs check`.
 * Real: the CLI, the Google Cloud clients and google-gax above the transport (request shaping, LRO
 * wrapper, paging), sshd, HAProxy, etcd (TLS), kubectl, fake-gcs-server.
 * Stand-ins: the Compute API (FakeGcp, virtual clock), cloud-init, k3s (air-gap dir), systemctl.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firewallPlan } from '../../src/cloud/gcp/firewall.js';
import { clusterLabel, LABEL_CLUSTER, ownedBy, requestId } from '../../src/cloud/gcp/naming.js';
import { contextName } from '../../src/kubeconfig/naming.js';
import { FakeGcp } from '../fakes/gcp/fake-gcp.js';
import { gcpSpec } from '../fakes/gcp/world.js';
import { kubectl } from '../helpers/cli.js';
import { expectBackupRoundTrip, fakeGcsStore, type CloudStore } from '../helpers/cloud-backup.js';
import {
  cloudE2e,
  expectSwitchThroughLb,
  expectVmsAreTheirHosts,
  machineNames,
  type CloudCluster,
} from '../helpers/cloud-e2e.js';

const REGION = 'us-central1';
const OPERATOR_CIDR = '198.51.100.77/32';

/** The clusters of this file: [etcd, control planes, workers]. */
const CLUSTERS = { gcpha: [3, 3, 2] } as const;
type ClusterName = keyof typeof CLUSTERS;

const { setUp, ksctl: ksctlGcp } = cloudE2e({
  cloud: 'gcp',
  region: REGION,
  clusters: CLUSTERS,
  sizes: { loadBalancer: 'e2-micro', etcd: 'e2-small', controlPlane: 'e2-medium', workers: 'e2-standard-2' },
  operatorCidr: OPERATOR_CIDR,
  spec: { credentials: { project: 'ksctl-fake-project' } },
  stateEnv: 'KSCTL_FAKE_GCP_STATE',
  // Virtual clock (a 30 s boot costs no wall time); each instance's external and internal IP is its host's.
  saveFake: (file, addresses) =>
    new FakeGcp({
      clock: 'virtual',
      config: {
        ipMap: Object.fromEntries(Object.entries(addresses).map(([n, a]) => [n, { privateIp: a, publicIp: a }])),
      },
    }).save(file),
  // Must never be read: the preload removes it (a real key file here would fail the test loudly).
  env: (sb) => ({ GOOGLE_APPLICATION_CREDENTIALS: path.join(sb.dir, 'no-such-key.json') }),
});
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
  const names = machineNames(name, CLUSTERS[name]); // 9 machines: LB, 3 etcd, 3 control planes, 2 workers
  let e: CloudCluster;
  let store: Promise<CloudStore>;
  beforeAll(async () => {
    store = fakeGcsStore(); // starts while the cluster is made; awaited by the backup test
    store.catch(() => undefined);
    e = await setUp(name);
  });
  afterAll(async () => {
    await (await store?.catch(() => undefined))?.stop();
    e?.sb.cleanup();
  });

  it('creates the HA cluster: network, firewall rules, 9 instances, bootstrap over SSH, kubeconfig', async () => {
    const r = await ksctlGcp(['create', 'cluster', '-f', e.file], e.sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${e.logTail()}`).toBe(0);
    expect(r.stdout).toContain(`Cluster ${name} is ready`);
    expect(r.stderr).not.toMatch(/Warning/); // e.g. Node's MaxListenersExceededWarning
    const fake = FakeGcp.load(e.cloud);
    expect(counts(fake, name)).toEqual({
      network: 1,
      subnetwork: 1,
      firewall: firewallPlan(specOf(name), [OPERATOR_CIDR]).length,
      instance: names.length,
    });
    // Every instance booted through the cloud-init stand-in, on its own test host.
    expect([...fake.data.instances.values()].every((x) => x.booted)).toBe(true);
    // Every insert carried the requestId of this incarnation and request (what makes a re-run safe
    // and a delete-and-recreate within the hour create everything again).
    const uid = (
      JSON.parse(readFileSync(path.join(e.sb.ksctlHome, 'clusters/gcp', REGION, name, 'state.json'), 'utf8')) as {
        uid: string;
      }
    ).uid;
    expect(uid).toMatch(/^[0-9a-f-]{36}$/);
    for (const c of fake.callsOf('instances:insert')) {
      expect(c.input.requestId).toBe(
        requestId(specOf(name), uid, `instance/${c.input.instanceResource.name}`, c.input.instanceResource),
      );
    }
  }, 300_000); // real control planes and kubelets on every machine, two shared cores

  it('each instance is its test host: the pinned host key is the one sshd presents, ubuntu logs in with the ssh-keys key', async () => {
    const d = JSON.parse((await ksctlGcp(['get', 'cluster', name, '-o', 'json'], e.sb.env)).stdout) as {
      machines: { name: string; providerId: string }[];
    };
    const lbId = d.machines.find((m) => m.name === names[0])!.providerId;
    const sshKeys = String(metadataOf(FakeGcp.load(e.cloud), lbId)['ssh-keys']); // "ubuntu:ssh-ed25519 AAAA... ksctl"
    expect(sshKeys).toMatch(/^ubuntu:ssh-ed25519 /);
    await expectVmsAreTheirHosts(e, ksctlGcp, sshKeys.slice('ubuntu:'.length));
    // The user data also told the GCE guest agent not to regenerate the host keys at first boot.
    for (const h of e.set.hosts) {
      const cfg = await h.exec('cat /etc/default/instance_configs.cfg');
      expect(cfg.stdout, h.name).toContain('[InstanceSetup]\nset_host_keys = false\n');
    }
  });

  it('switch: the context server is the load balancer, and kubectl lists the nodes through it', async () => {
    await expectSwitchThroughLb(e, ksctlGcp, 'gcp', REGION);
  });

  it('get cluster -o json shows the GCP resources and every machine with its addresses', async () => {
    const r = await ksctlGcp(['get', 'cluster', name, '-o', 'json'], e.sb.env);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as {
      phase: string;
      machines: {
        name: string;
        role: string;
        status: string;
        providerId: string;
        zone: string;
        publicAddress: string;
        privateAddress: string;
      }[];
      resources: Record<string, { kind: string; id: string }>;
      steps: { id: string; status: string }[];
    };
    expect(d.phase).toBe('ready');
    expect(d.machines.map((m) => m.name).sort()).toEqual([...names].sort());
    const fake = FakeGcp.load(e.cloud);
    for (const [i, n] of names.entries()) {
      const m = d.machines.find((x) => x.name === n)!;
      expect(m).toMatchObject({
        status: 'bootstrapped',
        publicAddress: e.set.hosts[i]!.address,
        privateAddress: e.set.hosts[i]!.address,
      });
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

  it("backs up to GCS (fake-gcs-server) and restores over the instances' SSH (ubuntu, sudo): the API serves the backed-up state", async () => {
    await expectBackupRoundTrip(e, ksctlGcp, {
      provider: 'gcp',
      region: REGION,
      store: await store,
      cloudCalls: () => FakeGcp.load(e.cloud).calls.length,
    });
  }, 240_000);

  it('delete cluster leaves nothing in the fake cloud, an instance that only its label ties to the cluster included', async () => {
    // An orphan (say, from a scale-up that crashed before recording it): not in state, only labelled.
    const before = FakeGcp.load(e.cloud);
    const [id, worker] = [...before.data.instances].find(([k]) => k.endsWith(`/${name}-worker-1`))!;
    const zone = id.split('/')[1]!;
    const orphan = `zones/${zone}/instances/${name}-worker-7`;
    before.data.instances.set(orphan, {
      ...structuredClone(worker),
      res: { ...structuredClone(worker.res), name: `${name}-worker-7` },
    });
    before.save(e.cloud);

    const r = await ksctlGcp(['delete', 'cluster', name], e.sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const fake = FakeGcp.load(e.cloud);
    expect(fake.inventory()).toEqual([]);
    // The label sweep listed every zone of the region, and so found the orphan.
    expect(fake.callsOf('instances:list').filter((c) => c.n > before.calls.length)).toHaveLength(
      fake.config.regions[REGION]!.zones.length,
    );
    const deleted = fake.callsOf('instances:delete', 'ok').map((c) => c.input.instance as string);
    expect(deleted.sort()).toEqual([...names, `${name}-worker-7`].sort());
    expect((await kubectl(['config', 'get-contexts', '-o', 'name'], e.sb.env)).stdout).not.toContain(
      contextName({ provider: 'gcp', region: REGION, name }),
    );
  }, 30_000);
});
