/**
 * Node pools on real SSH test hosts, through the CLI (`ksctl apply -f`, `ksctl scale nodepool`, `ksctl
 * get cluster`): k3s with embedded etcd — a load balancer, one server, one agent — and two spare hosts.
 * An edited cluster file is applied: the default pool grows by one (a spare host listed for it) and gets
 * a label, and a new tainted pool `batch` is added on the other spare host. Then `scale nodepool` shrinks
 * the default pool by one while a PodDisruptionBudget (minAvailable 1) holds its one pod on the node
 * given up: the drain waits, refused, until a second replica runs elsewhere, then evicts it and finishes.
 * Every check is kubectl through the load balancer. Real: sshd, HAProxy, kubectl, and what the k3s
 * launcher runs (kube-apiserver, etcd, controller-manager, scheduler, kubelet, containerd, runc).
 * Stand-ins: the k3s binary and installer (test/standins/k3s), systemctl (test/hosts).
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POOL } from '../../src/api/types.js';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { withClusterApi } from '../../src/managers/kubernetes/from-secrets.js';
import { pickForShrink } from '../../src/managers/kubernetes/shrink-order.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import { startHosts, type TestHostSet } from '../hosts/harness.js';
import { clusterLog, ksctl, kubectl, sandbox, type Sandbox } from '../helpers/cli.js';
import { imagesDir } from '../helpers/kubeadm-node.js';
import { airgapDir, clusterFile, writeKey } from '../helpers/ssh-cluster.js';

const NAME = 'pools';
const roles = ['loadbalancer', 'controlplane', 'worker'] as const;
const id = { provider: 'ssh' as const, region: 'default', name: NAME };
const images = ['pause.tar', 'busybox.tar'];

let set: TestHostSet;
let sb: Sandbox;
let file: string;
let keyFile: string;
let airgap: string;

beforeAll(async () => {
  const client = generateSshKeyPair('ksctl-test');
  set = await startHosts(roles.length + 2, { clientKey: { private: client.privateKey, public: client.publicKey } });
  sb = sandbox();
  file = path.join(sb.dir, 'cluster.yaml');
  airgap = airgapDir(path.join(sb.dir, 'airgap'));
  for (const f of images) copyFileSync(path.join(imagesDir(), f), path.join(airgap, f));
  keyFile = writeKey(sb.dir, client.privateKey);
  writeFileSync(
    file,
    clusterFile({
      name: NAME,
      distribution: 'k3s',
      roles: [...roles],
      hosts: set.hosts,
      keyFile,
      airgapDir: airgap,
      airgapImages: images,
    }),
  );
}, 120_000);
afterAll(async () => {
  await set?.teardown();
  sb?.cleanup();
});

const statePath = () => path.join(sb.ksctlHome, `clusters/ssh/default/${NAME}/state.json`);
const logTail = () => clusterLog(path.join(sb.ksctlHome, `clusters/ssh/default/${NAME}`));
const k = async (args: string[]) => {
  const r = await kubectl([...args, '--request-timeout', '20s'], sb.env);
  expect(r.code, `kubectl ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};
const readyNodes = async () =>
  (
    await k([
      'get',
      'nodes',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
    ])
  )
    .trim()
    .split('\n')
    .filter((l) => l.endsWith('=True'))
    .map((l) => l.split('=')[0]!)
    .sort();
async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('ssh provider, k3s, through the CLI: apply an edited file, then shrink a pool under a PodDisruptionBudget', () => {
  it('creates the cluster', async () => {
    const r = await ksctl(['create', 'cluster', '-f', file], sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail()}`).toBe(0);
    expect(
      await until('2 nodes Ready', async () => ((await readyNodes()).length === 2 ? true : undefined), 180_000),
    ).toBe(true);
  }, 400_000);

  it('refuses to grow an ssh pool without listed machines (exit 2, nothing written)', async () => {
    const before = readFileSync(statePath(), 'utf8');
    const r = await ksctl(['scale', 'nodepool', NAME, DEFAULT_POOL, '--count', '3'], sb.env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/apply -f/);
    expect(readFileSync(statePath(), 'utf8')).toBe(before);
  });

  it('applies an edited file: the default pool resized and labelled, a tainted pool added', async () => {
    const edited = path.join(sb.dir, 'cluster-edited.yaml');
    writeFileSync(
      edited,
      clusterFile({
        name: NAME,
        distribution: 'k3s',
        roles: [...roles, 'worker', 'worker'],
        hosts: set.hosts,
        keyFile,
        airgapDir: airgap,
        airgapImages: images,
        pools: {
          nodePools: [
            { name: DEFAULT_POOL, labels: { 'example.com/tier': 'web' } },
            { name: 'batch', labels: { 'example.com/role': 'batch' }, taints: ['example.com/batch=true:NoSchedule'] },
          ],
          of: { 'w-2': 'batch' },
        },
      }),
    );
    const plan = await ksctl(['apply', '-f', edited, '--dry-run'], sb.env);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/nodePools\[default\]\.count: 1 → 2/);
    expect(plan.stdout).toMatch(/\+ nodePools\[batch\]/);
    expect(plan.stdout).toMatch(/nodePools\[default\]\.labels: \+example\.com\/tier=web/);

    const r = await ksctl(['apply', '-f', edited, '-o', 'json'], sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail()}`).toBe(0);
    const ready = await until(
      '4 nodes Ready',
      async () => {
        const n = await readyNodes();
        return n.length === 4 ? n : undefined;
      },
      180_000,
    );
    expect(ready).toEqual(['cp-0', 'w-0', 'w-1', 'w-2']);
    const list = JSON.parse(await k(['get', 'nodes', '-o', 'json'])) as {
      items: { metadata: { name: string; labels: Record<string, string> } }[];
    };
    const labels = Object.fromEntries(list.items.map((n) => [n.metadata.name, n.metadata.labels]));
    // w-0 existed: its new label was patched on; w-1 and w-2 registered with theirs.
    for (const w of ['w-0', 'w-1']) {
      expect(labels[w]?.['ksctl.io/pool']).toBe(DEFAULT_POOL);
      expect(labels[w]?.['example.com/tier']).toBe('web');
    }
    expect(labels['w-2']?.['ksctl.io/pool']).toBe('batch');
    expect(labels['w-2']?.['example.com/role']).toBe('batch');
    expect(await k(['get', 'node', 'w-2', '-o', 'jsonpath={.spec.taints}'])).toContain('"key":"example.com/batch"');

    const after = (await new LocalStateStore(sb.ksctlHome).read(id))!;
    expect(after.spec.nodePools.map((p) => [p.name, p.count])).toEqual([
      [DEFAULT_POOL, 2],
      ['batch', 1],
    ]);
    const got = await ksctl(['get', 'cluster', NAME, '-o', 'json'], sb.env);
    expect(got.code, got.stderr).toBe(0);
    const pools = (JSON.parse(got.stdout) as { pools: { name: string; desired: number; ready: number | string }[] })
      .pools;
    expect(pools.map((p) => [p.name, p.desired, p.ready])).toEqual([
      [DEFAULT_POOL, 2, 2],
      ['batch', 1, 1],
    ]);
    // The same file again: nothing to do.
    const again = await ksctl(['apply', '-f', edited], sb.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
  }, 400_000);

  it('shrinks by 1: the PDB holds the drain until a second replica runs elsewhere, then the node goes', async () => {
    const secrets = new LocalStateStore(sb.ksctlHome).secrets(id);
    const workers = await withClusterApi(secrets, 'list nodes', async (api) =>
      (await api.nodes()).filter((n) => n.labels['ksctl.io/pool'] === DEFAULT_POOL),
    );
    const [gone] = pickForShrink(workers, 1);
    // One replica, placed on the node the shrink will give up; a budget that lets none of it go.
    const manifest = path.join(sb.dir, 'web.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: 'web', namespace: 'default' },
            spec: {
              replicas: 1,
              selector: { matchLabels: { app: 'web' } },
              template: {
                metadata: { labels: { app: 'web' } },
                spec: {
                  terminationGracePeriodSeconds: 1,
                  affinity: {
                    nodeAffinity: {
                      preferredDuringSchedulingIgnoredDuringExecution: [
                        {
                          weight: 100,
                          preference: {
                            matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [gone!.name] }],
                          },
                        },
                      ],
                    },
                  },
                  containers: [
                    {
                      name: 'web',
                      image: 'ksctl.test/busybox:1.35',
                      imagePullPolicy: 'Never',
                      command: ['sh', '-c', 'exec sleep 3600'],
                    },
                  ],
                },
              },
            },
          },
          {
            apiVersion: 'policy/v1',
            kind: 'PodDisruptionBudget',
            metadata: { name: 'web', namespace: 'default' },
            spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
          },
        ],
      }),
    );
    await k(['apply', '-f', manifest]);
    await k(['rollout', 'status', 'deployment/web', '--timeout=150s']);
    const podNodes = async () =>
      (await k(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].spec.nodeName}']))
        .split(' ')
        .filter(Boolean);
    expect(await podNodes()).toEqual([gone!.name]);

    const shrink = ksctl(
      ['scale', 'nodepool', NAME, DEFAULT_POOL, '--count', '1', '--drain-timeout', '3m', '--delete-emptydir-data'],
      sb.env,
    );
    let settled = false;
    void shrink.then(
      () => (settled = true),
      () => (settled = true),
    );
    // The node is cordoned and the budget refuses the eviction: the pod stays, the shrink waits.
    await until(
      `${gone!.name} cordoned`,
      async () => {
        if (settled) {
          const r = await shrink;
          expect.fail(`scale nodepool ended before the drain: ${r.code}\n${r.stdout}\n${r.stderr}\n${logTail()}`);
        }
        return (await k(['get', 'node', gone!.name, '-o', 'jsonpath={.spec.unschedulable}'])) === 'true'
          ? true
          : undefined;
      },
      60_000,
    );
    await new Promise((r) => setTimeout(r, 5000));
    expect(settled).toBe(false);
    expect(await podNodes()).toEqual([gone!.name]);
    // A second replica (elsewhere: the node is cordoned) lets the budget allow one disruption.
    await k(['scale', 'deployment/web', '--replicas=2']);
    const r = await shrink;
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail()}`).toBe(0);

    expect(await readyNodes()).not.toContain(gone!.name);
    expect((await k(['get', 'nodes', '-o', 'name'])).split('\n')).not.toContain(`node/${gone!.name}`);
    await k(['rollout', 'status', 'deployment/web', '--timeout=150s']);
    const nodes = await podNodes();
    expect(nodes).toHaveLength(2);
    expect(nodes).not.toContain(gone!.name);
    const after = (await new LocalStateStore(sb.ksctlHome).read(id))!;
    expect(after.machines[gone!.name]).toBeUndefined();
    expect(after.spec.machines.map((m) => m.name)).not.toContain(gone!.name);
    expect(after.spec.nodePools.find((p) => p.name === DEFAULT_POOL)!.count).toBe(1);
    expect(after.spec.workers.count).toBe(1);
    expect(after.phase).toBe('ready');
  }, 400_000);

  it('deletes the cluster', async () => {
    const r = await ksctl(['delete', 'cluster', NAME, '--provider', 'ssh'], sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  }, 300_000);
});
