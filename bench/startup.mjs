// Start-up: `ksctl --help`, `ksctl get clusters` over 200 clusters and `ksctl switch`, as ratios to
// `node -e 0`; and `ksctl switch` against `kubectl config use-context` on the same kubeconfig.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { medians, row } from './measure.mjs';

const BIN = fileURLToPath(new URL('../bin/ksctl.js', import.meta.url));

function kubeconfigFor(name) {
  return `apiVersion: v1\nkind: Config\nclusters:\n- name: kind-${name}\n  cluster:\n    server: https://127.0.0.1:6443\nusers:\n- name: kind-${name}\n  user:\n    token: bench-token-${name}\ncontexts:\n- name: kind-${name}\n  context:\n    cluster: kind-${name}\n    user: kind-${name}\ncurrent-context: kind-${name}\n`;
}

/** A store with `n` ready local clusters, written directly (the bench measures reading, not creating). */
export function populate(root, n) {
  const now = new Date().toISOString();
  for (let i = 0; i < n; i++) {
    const name = `c${String(i).padStart(3, '0')}`;
    const dir = path.join(root, 'clusters', 'local', 'local', name);
    mkdirSync(path.join(dir, 'secrets'), { recursive: true, mode: 0o700 });
    const spec = {
      name,
      provider: 'local',
      type: 'managed',
      region: 'local',
      kubernetesVersion: '1.37',
      controlPlane: { count: 1, size: '' },
      workers: { count: 2, size: '', spot: false },
      etcd: { count: 0, size: '' },
      loadBalancer: { size: '' },
      nodePools: [],
      network: { cidr: '10.0.0.0/16', allowCidrs: [] },
      machines: [],
      ssh: { sudoPassword: false },
      credentials: {},
      airgap: { enabled: false },
    };
    const state = {
      schemaVersion: 1,
      id: { provider: 'local', region: 'local', name },
      type: 'managed',
      phase: 'ready',
      spec,
      createdAt: now,
      updatedAt: now,
      resources: {},
      machines: {},
      versions: { kubernetes: 'v1.37.0' },
      steps: [
        {
          id: 'kind/cluster',
          title: 'Create kind cluster',
          status: 'done',
          run: 0,
          startedAt: now,
          endedAt: now,
          durationMs: 1,
        },
      ],
      runs: [],
      kubeconfig: { context: `ksctl-local-local-${name}` },
    };
    writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state, null, 2));
    writeFileSync(path.join(dir, 'secrets', 'kubeconfig'), kubeconfigFor(name), { mode: 0o600 });
  }
}

export function benchStartup(rounds = 21) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-bench-'));
  try {
    const home = path.join(dir, 'home');
    const ksctlHome = path.join(dir, 'ksctl');
    populate(ksctlHome, 200);
    // The list index records state files only once they are 2 s old (src/state/local/list-index.ts):
    // measure the steady state people see, not the first listing after a write.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    const kube = path.join(home, '.kube', 'config');
    const env = { PATH: process.env.PATH, HOME: home, KSCTL_HOME: ksctlHome, CI: 'true' };
    // Two contexts in the user's kubeconfig so both tools switch between real entries.
    const r = medians({ prep: [process.execPath, [BIN, 'switch', 'c001'], env] }, 1);
    void r;
    const node = process.execPath;
    const m = medians(
      {
        'node -e 0': [node, ['-e', '0'], env],
        'ksctl --help': [node, [BIN, '--help'], env],
        'ksctl get clusters (200 clusters)': [node, [BIN, 'get', 'clusters'], env],
        'ksctl switch c000': [node, [BIN, 'switch', 'c000'], env],
        'kubectl config use-context ksctl-local-local-c001': [
          'kubectl',
          ['--kubeconfig', kube, 'config', 'use-context', 'ksctl-local-local-c001'],
          env,
        ],
      },
      rounds,
    );
    const base = m['node -e 0'];
    const lines = [
      `Start-up (median of ${rounds} runs each, interleaved)`,
      row('node -e 0 (baseline)', `${base.toFixed(1)} ms`),
      row('ksctl --help / node -e 0', `${(m['ksctl --help'] / base).toFixed(2)}x`, '<= 1.5x'),
      row(
        'ksctl get clusters, 200 clusters / node -e 0',
        `${(m['ksctl get clusters (200 clusters)'] / base).toFixed(2)}x`,
        '<= 1.5x',
      ),
      row('ksctl switch / node -e 0', `${(m['ksctl switch c000'] / base).toFixed(2)}x`, '<= 1.5x'),
      row(
        'ksctl switch / kubectl config use-context',
        `${(m['ksctl switch c000'] / m['kubectl config use-context ksctl-local-local-c001']).toFixed(2)}x`,
        '<= 1.2x',
      ),
      row(
        '  (absolute: --help, get, switch, kubectl)',
        `${m['ksctl --help'].toFixed(0)}/${m['ksctl get clusters (200 clusters)'].toFixed(0)}/${m['ksctl switch c000'].toFixed(0)}/${m['kubectl config use-context ksctl-local-local-c001'].toFixed(0)} ms`,
      ),
    ];
    return { medians: m, lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
