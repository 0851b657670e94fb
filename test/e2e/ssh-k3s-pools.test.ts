/**
 * A self-managed pool scaled on real SSH test hosts, through SelfManagedManager.reconcilePools (the path
 * `ksctl scale nodepool` / `apply -f` take; the commands come from another branch): k3s with embedded
 * etcd — a load balancer, one server, one agent, created through the CLI as in ssh-k3s-embedded.test.ts
 * — and two spare hosts. The default pool grows by 2 onto the spare hosts (listed, as the ssh provider
 * requires), then shrinks by 1 while a PodDisruptionBudget (minAvailable 1) holds its one pod on the
 * node given up: the drain waits, refused, until a second replica runs elsewhere, then evicts it and
 * finishes. Every check is kubectl through the load balancer. Real: sshd, HAProxy, kubectl, and what the
 * k3s launcher runs (kube-apiserver, etcd, controller-manager, scheduler, kubelet, containerd, runc).
 * Stand-ins: the k3s binary and installer (test/standins/k3s), systemctl (test/hosts).
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POOL, type MachineSpec } from '../../src/api/types.js';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { kubeconfigTarget } from '../../src/kubeconfig/loading.js';
import { withClusterApi } from '../../src/managers/kubernetes/from-secrets.js';
import { pickForShrink } from '../../src/managers/kubernetes/shrink-order.js';
import { SelfManagedManager } from '../../src/managers/selfmanaged/manager.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import { silentLogger } from '../../src/util/log.js';
import { startHosts, type TestHostSet } from '../hosts/harness.js';
import { ksctl, kubectl, sandbox, type Sandbox } from '../helpers/cli.js';
import { imagesDir } from '../helpers/kubeadm-node.js';
import { airgapDir, clusterFile, writeKey } from '../helpers/ssh-cluster.js';

const NAME = 'pools';
const roles = ['loadbalancer', 'controlplane', 'worker'] as const;
const id = { provider: 'ssh' as const, region: 'default', name: NAME };
const DRAIN = { timeoutMs: 180_000, force: false, deleteEmptyDirData: true };

let set: TestHostSet;
let sb: Sandbox;
let file: string;
let keyFile: string;

beforeAll(async () => {
  const client = generateSshKeyPair('ksctl-test');
  set = await startHosts(roles.length + 2, { clientKey: { private: client.privateKey, public: client.publicKey } });
  sb = sandbox();
  file = path.join(sb.dir, 'cluster.yaml');
  const airgap = airgapDir(path.join(sb.dir, 'airgap'));
  const images = ['pause.tar', 'busybox.tar'];
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

/** The manager a command would build, over the sandbox's state (a new one per call: a new process). */
function manager(): SelfManagedManager {
  return new SelfManagedManager({
    store: new LocalStateStore(sb.ksctlHome),
    log: silentLogger,
    kubeconfig: kubeconfigTarget(path.join(sb.home, '.kube', 'config')),
    signal: new AbortController().signal,
    command: 'ksctl scale nodepool (e2e)',
    env: {},
  });
}
const logTail = () => {
  try {
    return readFileSync(path.join(sb.ksctlHome, `clusters/ssh/default/${NAME}/ksctl.log`), 'utf8')
      .split('\n')
      .slice(-60)
      .join('\n');
  } catch {
    return '(no log)';
  }
};
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

describe('ssh provider, k3s: a pool grows by 2 and shrinks by 1 under a PodDisruptionBudget', () => {
  it('creates the cluster', async () => {
    const r = await ksctl(['create', 'cluster', '-f', file], sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${logTail()}`).toBe(0);
    expect(
      await until('2 nodes Ready', async () => ((await readyNodes()).length === 2 ? true : undefined), 180_000),
    ).toBe(true);
  }, 400_000);

  it('grows the default pool onto the two listed spare hosts, both joining through the load balancer', async () => {
    const state = (await new LocalStateStore(sb.ksctlHome).read(id))!;
    const spare: MachineSpec[] = set.hosts.slice(3).map((h, i) => ({
      name: `w-${i + 1}`,
      role: 'worker',
      address: h.address,
      port: 22,
      user: 'root',
      keyFile,
      hostKey: h.hostKeyPublic,
    }));
    const pool = state.spec.nodePools.find((p) => p.name === DEFAULT_POOL)!;
    // Without the machines (what `scale nodepool` passes) an ssh pool cannot grow: exit 2, nothing written.
    const refused = await manager()
      .reconcilePools(id, { pools: [{ ...pool, count: 3 }] }, { drain: DRAIN })
      .then(
        () => undefined,
        (e: unknown) => e as { exitCode?: number; hint?: string },
      );
    expect(refused?.exitCode).toBe(2);
    expect(refused?.hint).toBe('list the machines in the cluster file and run ksctl apply -f');

    const r = await manager()
      .reconcilePools(
        id,
        { pools: [{ ...pool, count: 3 }], machines: [...state.spec.machines, ...spare] },
        { drain: DRAIN },
      )
      .catch((e: Error) => expect.fail(`${e.message}\n${logTail()}`));
    expect(r.pools).toEqual([{ name: DEFAULT_POOL, from: 1, to: 3 }]);
    expect(r.added.sort()).toEqual(['w-1', 'w-2']);
    const ready = await until(
      '4 nodes Ready',
      async () => {
        const n = await readyNodes();
        return n.length === 4 ? n : undefined;
      },
      180_000,
    );
    expect(ready).toEqual(['cp-0', 'w-0', 'w-1', 'w-2']);
    const after = (await new LocalStateStore(sb.ksctlHome).read(id))!;
    expect(after.spec.nodePools.find((p) => p.name === DEFAULT_POOL)!.count).toBe(3);
    expect(after.spec.machines.map((m) => m.name)).toEqual(expect.arrayContaining(['w-1', 'w-2']));
    expect(
      Object.values(after.machines).filter((m) => m.role === 'worker' && m.status === 'bootstrapped'),
    ).toHaveLength(3);
  }, 400_000);

  it('shrinks by 1: the PDB holds the drain until a second replica runs elsewhere, then the node goes', async () => {
    const secrets = new LocalStateStore(sb.ksctlHome).secrets(id);
    const workers = await withClusterApi(secrets, 'list nodes', async (api) =>
      (await api.nodes()).filter((n) => n.name.startsWith('w-')),
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

    const state = (await new LocalStateStore(sb.ksctlHome).read(id))!;
    const pool = state.spec.nodePools.find((p) => p.name === DEFAULT_POOL)!;
    const shrink = manager().reconcilePools(id, { pools: [{ ...pool, count: 2 }] }, { drain: DRAIN });
    let settled = false;
    void shrink.then(
      () => (settled = true),
      () => (settled = true),
    );
    // The node is cordoned and the budget refuses the eviction: the pod stays, the shrink waits.
    await until(
      `${gone!.name} cordoned`,
      async () =>
        (await k(['get', 'node', gone!.name, '-o', 'jsonpath={.spec.unschedulable}'])) === 'true' ? true : undefined,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 5000));
    expect(settled).toBe(false);
    expect(await podNodes()).toEqual([gone!.name]);
    // A second replica (elsewhere: the node is cordoned) lets the budget allow one disruption.
    await k(['scale', 'deployment/web', '--replicas=2']);
    const r = await shrink.catch((e: Error) => expect.fail(`${e.message}\n${logTail()}`));
    expect(r.removed).toEqual([gone!.name]);
    expect(r.pools).toEqual([{ name: DEFAULT_POOL, from: 3, to: 2 }]);

    expect(await readyNodes()).not.toContain(gone!.name);
    expect((await k(['get', 'nodes', '-o', 'name'])).split('\n')).not.toContain(`node/${gone!.name}`);
    await k(['rollout', 'status', 'deployment/web', '--timeout=150s']);
    const nodes = await podNodes();
    expect(nodes).toHaveLength(2);
    expect(nodes).not.toContain(gone!.name);
    const after = (await new LocalStateStore(sb.ksctlHome).read(id))!;
    expect(after.machines[gone!.name]).toBeUndefined();
    expect(after.spec.machines.map((m) => m.name)).not.toContain(gone!.name);
    expect(after.spec.nodePools.find((p) => p.name === DEFAULT_POOL)!.count).toBe(2);
    expect(after.spec.workers.count).toBe(2);
    expect(after.phase).toBe('ready');
  }, 400_000);

  it('deletes the cluster', async () => {
    const r = await ksctl(['delete', 'cluster', NAME, '--provider', 'ssh'], sb.env);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  }, 300_000);
});
