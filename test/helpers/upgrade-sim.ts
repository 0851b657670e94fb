/**
 * A simulated self-managed upgrade, for the unit test and the benchmark: the real SelfManagedManager,
 * plan, executor and LocalStateStore (real state writes in a temp dir) over the SSH pool STAND-IN
 * (test/fakes/ssh-pool-standin.ts: scripts sleep for given durations) and the Kubernetes API STAND-IN
 * (test/fakes/kube-nodes-standin.ts: nodes whose kubelet reports the new version once their upgrade
 * script ran and they restarted). A kubeadm cluster on the ssh provider, recorded as a finished create
 * at v1.36.3.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyDefaults } from '../../src/api/defaults.js';
import type { UpgradeRequest } from '../../src/api/pool-change.js';
import type { ClusterId, Role } from '../../src/api/types.js';
import { generateSshKeyPair } from '../../src/distro/pki/ssh.js';
import { SinkLogger } from '../../src/io/logger.js';
import { kubeconfigTarget } from '../../src/kubeconfig/loading.js';
import type { DayTwoResult } from '../../src/managers/index.js';
import { SelfManagedManager } from '../../src/managers/selfmanaged/manager.js';
import { upgradeSelfManaged } from '../../src/managers/selfmanaged/upgrade.js';
import type { ManagerDeps } from '../../src/managers/types.js';
import type { StepEvent } from '../../src/pipeline/types.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import { newClusterState } from '../../src/state/new-state.js';
import { KubeNodesStandin, type KubeStandinTimings } from '../fakes/kube-nodes-standin.js';
import { StandinSshPool, type SshStandinTimings, type StandinClock } from '../fakes/ssh-pool-standin.js';

export const FROM = 'v1.36.3';

/** Real time: what a user waits. */
export const realClock: StandinClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      const abort = () => (clearTimeout(t), reject(signal!.reason as Error));
      const t = setTimeout(() => (signal?.removeEventListener('abort', abort), resolve()), ms);
      signal?.addEventListener('abort', abort, { once: true });
    }),
};

export interface UpgradeSim {
  id: ClusterId;
  store: LocalStateStore;
  pool: StandinSshPool;
  kube: KubeNodesStandin;
  events: StepEvent[];
  upgrade(req: Partial<UpgradeRequest>): Promise<DayTwoResult>;
  cleanup(): void;
}

export async function upgradeSim(
  shape: { controlPlanes: number; workers: number; pools?: string[] },
  ssh: SshStandinTimings,
  kubeTimings: KubeStandinTimings,
  clock: StandinClock = realClock,
): Promise<UpgradeSim> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksctl-upgrade-sim-'));
  const key = generateSshKeyPair('sim');
  const keyFile = path.join(dir, 'id_ed25519');
  writeFileSync(keyFile, key.privateKey, { mode: 0o600 });
  const roles: [Role, string][] = [
    ['loadbalancer', 'lb-0'],
    ...[0, 1, 2].map((i): [Role, string] => ['etcd', `etcd-${i}`]),
    ...Array.from({ length: shape.controlPlanes }, (_, i): [Role, string] => ['controlplane', `cp-${i}`]),
    ...Array.from({ length: shape.workers }, (_, i): [Role, string] => ['worker', `w-${i}`]),
  ];
  const spec = applyDefaults({
    name: 'sim',
    provider: 'ssh',
    type: 'selfmanaged',
    distribution: 'kubeadm',
    kubernetesVersion: '1.36',
    controlPlane: { count: shape.controlPlanes },
    workers: { count: shape.workers },
    etcd: { count: 3 },
    machines: roles.map(([role, name], i) => ({
      name,
      role,
      address: `10.9.0.${i + 2}`,
      user: 'root',
      keyFile,
      hostKey: `ssh-ed25519 STANDIN${Buffer.from(name).toString('base64')}`,
    })),
  });
  const s = newClusterState(spec);
  s.phase = 'ready';
  s.versions = { kubernetes: FROM, distribution: 'kubeadm', kubeadm: FROM, requested: '1.36' };
  const readAt = new Date().toISOString();
  roles.forEach(([role, name], i) => {
    s.machines[name] = {
      name,
      role,
      publicAddress: `10.9.0.${i + 2}`,
      privateAddress: `10.9.0.${i + 2}`,
      sshPort: 22,
      sshUser: 'root',
      hostKeys: [`ssh-ed25519 STANDIN${Buffer.from(name).toString('base64')}`],
      status: 'bootstrapped',
      ...(role === 'worker' && shape.pools ? { pool: shape.pools[i % shape.pools.length] } : {}),
      ...(role === 'controlplane' || role === 'worker'
        ? { installed: { kubernetes: FROM, distribution: FROM, readAt } }
        : {}),
    };
  });
  const store = new LocalStateStore(path.join(dir, 'ksctl'));
  const id = s.id;
  const h = await store.lock(id, 'test');
  await h.save(s);
  h.release();
  const pool = new StandinSshPool(clock, ssh);
  const kube = new KubeNodesStandin(
    clock,
    roles.filter(([r]) => r === 'controlplane' || r === 'worker').map(([, n]) => n),
    FROM,
    kubeTimings,
    pool,
  );
  const events: StepEvent[] = [];
  const signal = new AbortController().signal;
  setMaxListeners(0, signal); // as the CLI does (src/cli/main.ts)
  const log = new SinkLogger(false, () => {});
  const deps: ManagerDeps = {
    store,
    log,
    kubeconfig: kubeconfigTarget(path.join(dir, 'kubeconfig')),
    signal,
    command: 'ksctl upgrade cluster sim (simulated)',
    env: {},
    onEvent: (e) => events.push(e),
  };
  const manager = new SelfManagedManager(deps, { sshPool: () => pool, sshWaitMs: 1000 });
  return {
    id,
    store,
    pool,
    kube,
    events,
    upgrade: (req) =>
      upgradeSelfManaged(
        manager,
        id,
        {
          to: '1.37.2',
          drain: { timeoutMs: 60_000, force: false, deleteEmptyDirData: false },
          backup: false,
          ...req,
        },
        deps,
        { kube: async () => kube, pollMs: kubeTimings.pollMs ?? 1000, readyTimeoutMs: 60_000 },
      ),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
