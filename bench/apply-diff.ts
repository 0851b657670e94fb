/**
 * `npm run bench -- apply`: the apply diff on 1,000-node clusters (goal: under a second), against the
 * baseline of loading the same state and cluster file the way `apply -f` must anyway (read, migrate and
 * shape-check state.json; parse, default and validate the file), measured in the same run.
 *
 * Two clusters: self-managed with 1,000 machines (993 workers in the default pool), the file resizing
 * the pool and changing the allowed CIDRs; AKS with nine pools of 111 nodes (999 nodes and the control
 * plane), the file adding a pool, shrinking two and changing every pool's labels and taints.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { applyDefaults } from '../src/api/defaults.js';
import { parseClusterFile } from '../src/api/file.js';
import { assertValidSpec } from '../src/api/validate.js';
import type { ClusterSpec } from '../src/api/types.js';
import { computeApplyPlan } from '../src/managers/apply/diff.js';
import { renderPlan } from '../src/managers/apply/render.js';
import { migrateState } from '../src/state/migrate.js';
import { newClusterState } from '../src/state/new-state.js';
import type { ClusterState, Machine } from '../src/state/types.js';

const ROUNDS = 41;

function clusterFile(spec: Record<string, unknown>, name: string): string {
  return stringify({ apiVersion: 'ksctl.io/v1alpha1', kind: 'Cluster', metadata: { name }, spec }, { lineWidth: 0 });
}

function machine(name: string, role: Machine['role'], i: number, pool?: string): Machine {
  return {
    name,
    role,
    publicAddress: `198.51.${i >> 8}.${i & 255}`,
    privateAddress: `10.0.${i >> 8}.${i & 255}`,
    sshPort: 22,
    sshUser: 'ubuntu',
    hostKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'],
    providerId: `i-${i.toString(16).padStart(17, '0')}`,
    nodeProviderId: `aws:///eu-west-1a/i-${i.toString(16).padStart(17, '0')}`,
    size: 't3.large',
    zone: 'eu-west-1a',
    status: 'bootstrapped',
    ...(pool ? { pool } : {}),
  };
}

/** A recorded cluster: its spec from `file`, the given machines, a step history like a real create's. */
function recorded(file: string, machines: Machine[]): ClusterState {
  const spec: ClusterSpec = assertValidSpec(applyDefaults(parseClusterFile(file)));
  const s = newClusterState(spec, new Date('2026-12-01T00:00:00Z'));
  s.phase = 'ready';
  s.versions = { kubernetes: 'v1.36.4' };
  s.machines = Object.fromEntries(machines.map((m) => [m.name, m]));
  s.steps = machines.flatMap((m) =>
    ['create', 'bootstrap'].map((k) => ({
      id: `${k}/${m.name}`,
      title: `${k} ${m.name}`,
      status: 'done' as const,
      run: 0,
      startedAt: s.createdAt,
      endedAt: s.createdAt,
      durationMs: 1000,
    })),
  );
  return s;
}

function selfManaged(): { state: ClusterState; file: string } {
  const base = {
    provider: 'aws',
    type: 'selfmanaged',
    region: 'eu-west-1',
    kubernetesVersion: '1.36',
    controlPlane: { count: 3 },
    etcd: { count: 3 },
    workers: { count: 993 },
    network: { allowCidrs: ['203.0.113.7/32'] },
  };
  const machines = [
    machine('lb-0', 'loadbalancer', 0),
    ...[0, 1, 2].map((i) => machine(`etcd-${i}`, 'etcd', 1 + i)),
    ...[0, 1, 2].map((i) => machine(`cp-${i}`, 'controlplane', 4 + i)),
  ];
  for (let i = 0; i < 993; i++) machines.push(machine(`worker-${i}`, 'worker', 7 + i, 'default'));
  const state = recorded(clusterFile(base, 'big'), machines);
  return {
    state,
    file: clusterFile(
      { ...base, workers: { count: 980 }, network: { allowCidrs: ['203.0.113.7/32', '198.51.100.0/24'] } },
      'big',
    ),
  };
}

function managedPools(): { state: ClusterState; file: string } {
  const pool = (i: number, extra: Record<string, unknown> = {}) => ({
    name: `pool-${i}`,
    count: 111,
    size: 'Standard_D4s_v5',
    labels: { team: `t${i}` },
    taints: [`dedicated=p${i}:NoSchedule`],
    ...extra,
  });
  const base = {
    provider: 'azure',
    type: 'managed',
    region: 'eastus',
    nodePools: Array.from({ length: 9 }, (_, i) => pool(i)),
  };
  const machines = Array.from({ length: 999 }, (_, i) =>
    machine(`aks-pool-${i % 9}-${i}`, 'worker', i, `pool-${i % 9}`),
  );
  const state = recorded(clusterFile(base, 'aks'), machines);
  const want = Array.from({ length: 9 }, (_, i) =>
    pool(i, { count: i < 2 ? 100 : 111, labels: { team: `t${i}`, tier: 'x' }, taints: [`dedicated=q${i}:NoSchedule`] }),
  );
  return {
    state,
    file: clusterFile({ ...base, nodePools: [...want, { name: 'gpu', count: 22, size: 'Standard_NC6s_v3' }] }, 'aks'),
  };
}

function timeMs(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const fmt = (ms: number) => (ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`);

export async function benchApplyDiff(): Promise<{ lines: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksctl-bench-apply-'));
  const lines = ['apply diff at 1,000 nodes (median of 41; baseline: load state + file as apply must)'];
  try {
    for (const [label, make] of [
      ['self-managed, 1,000 machines', selfManaged],
      ['AKS, 9 pools × 111 nodes (+ the control plane)', managedPools],
    ] as const) {
      const { state, file } = make();
      const statePath = path.join(dir, `${state.id.name}.json`);
      writeFileSync(statePath, JSON.stringify(state, null, 2));
      const load = () => ({
        s: migrateState(JSON.parse(readFileSync(statePath, 'utf8')), statePath),
        want: assertValidSpec(applyDefaults(parseClusterFile(file))),
      });
      const { s, want } = load();
      let text = '';
      const diff = () => (text = renderPlan(computeApplyPlan(s, want), { color: false }));
      const samples = { load: [] as number[], diff: [] as number[], all: [] as number[] };
      for (let r = 0; r < 3; r++) {
        load(); // warm up the JIT
        diff();
      }
      for (let r = 0; r < ROUNDS; r++) {
        samples.load.push(timeMs(load));
        samples.diff.push(timeMs(diff));
        samples.all.push(
          timeMs(() => {
            const l = load();
            renderPlan(computeApplyPlan(l.s, l.want), { color: false });
          }),
        );
      }
      const [load_, diff_, all] = [median(samples.load), median(samples.diff), median(samples.all)];
      lines.push(
        `  ${label} (state.json ${(readFileSync(statePath).length / 1e6).toFixed(1)} MB; plan: ${text.trim().split('\n').at(-1)})`,
        `${'    load + validate state and file (baseline)'.padEnd(58)} ${fmt(load_).padStart(10)}`,
        `${'    diff + render'.padEnd(58)} ${fmt(diff_).padStart(10)}`,
        `${'    whole apply --dry-run path (load, diff, render)'.padEnd(58)} ${fmt(all).padStart(10)}   goal < 1000 ms`,
        `${'    ratio diff / baseline'.padEnd(58)} ${(diff_ / load_).toFixed(3).padStart(10)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { lines };
}
