/**
 * Simulated create, cloud-independent part: an HA self-managed k3s cluster (1 LB, 3 etcd, 3 control
 * planes) plus N workers, through the real SelfManagedManager, executor, LocalStateStore (real state
 * and secret writes in a temp dir) and a real cloud provider (real SDK clients) against that cloud's
 * stateful fake on a scaled clock. The bootstrap runs over a STAND-IN SSH pool
 * (test/fakes/ssh-pool-standin.ts) whose operations sleep on the same clock for durations measured on
 * the real SSH test hosts (MEASURED below).
 *
 * Reported: simulated wall time / critical-path bound, where the bound is the longest path through
 * the plan's actual steps and `needs`, each step costing its simulated duration: the cloud's own
 * latencies for infrastructure and machine steps (the adapter says which: `cloudCost`), the measured
 * scripts for bootstrap steps, 0 for local work. And the peak RSS of the process: each case runs in a
 * fresh child process so that figure is its own.
 *
 * Why scale 1 by default: the process's own CPU and I/O (SDK calls, key generation, PKI, state writes
 * with fsync) then count at their true weight; at scale N every real millisecond counts N times. The
 * virtual clock is no option: it jumps to the next sleeper whenever the event loop turns, without
 * waiting for real I/O in flight, so every state write would stretch simulated time.
 */
import { spawnSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterSpec } from '../../src/api/types.js';
import type { SelfManagedCloud } from '../../src/cloud/types.js';
import { SinkLogger } from '../../src/io/logger.js';
import { kubeconfigTarget } from '../../src/kubeconfig/loading.js';
import type { NodeApi } from '../../src/managers/selfmanaged/context.js';
import { SelfManagedManager } from '../../src/managers/selfmanaged/manager.js';
import { buildCreatePlan } from '../../src/managers/selfmanaged/plans/create.js';
import type { ManagerDeps } from '../../src/managers/types.js';
import type { Step } from '../../src/pipeline/types.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import type { ClusterHandle, StateStore } from '../../src/state/types.js';
import { StandinSshPool, type SshStandinTimings, type StandinClock } from '../../test/fakes/ssh-pool-standin.js';

/**
 * Bootstrap durations measured on the real SSH test hosts: medians of 18 runs of
 * `ksctl create cluster` (aws, k3s, 1 LB + 3 etcd + 3 CPs + 2 workers, air-gapped, 9 test hosts on
 * this 2-core VM; test/e2e/aws-selfmanaged.test.ts's topology), from state.json step durations and
 * ksctl.log timestamps. A script's figure is its whole step (uploads and state writes included), so
 * uploads cost nothing extra here. The bootstrap is the same on every cloud.
 */
export const MEASURED: SshStandinTimings = {
  connectMs: 32, // ARCHITECTURE.md: ssh2 connect with setNoDelay(true), which the pool sets
  scriptMs: {
    haproxy: 1410, // lb/<lb>
    'etcd-member': 1770, // etcd/<member> (waits for its peers: members start together)
    'etcd-health': 160, // etcd/health
    'k3s-server-init': 1310, // controlplane/<cp0> up to the forwarding script
    'haproxy-forwarding': 1080, // rest of controlplane/<cp0>: HAProxy sees cp0 healthy
    'k3s-server-join': 2080, // controlplane/<cp1..>
    'k3s-agent': 1510, // worker/<w>
  },
  otherExecMs: 50,
  uploadMs: 0,
  downloadMs: 110, // kubeconfig
};

/** One cloud's fake, provider and cost model, for one case. */
export interface SimulatedCloud {
  /** `aws`, `azure`, `gcp`: the provider name in state keys. */
  provider: ClusterSpec['provider'];
  clock: StandinClock;
  cloud: SelfManagedCloud;
  /** The cluster, sized for this cloud (its region, VM sizes, an operator CIDR). */
  spec(base: { name: string; workers: number }): ClusterSpec;
  /** Simulated ms of cloud latency inside a step (machine: until the VM is up; infra: its operations); 0 for others. */
  cloudCost(step: Step): number;
  /** Calls the fake answered, and per-operation counts worth reporting (e.g. instance polls). */
  apiCalls(): { total: number; notable: Record<string, number> };
  /** Simulated times of the VM create calls, if the fake records them. */
  launches?(): number[];
}

/** Simulated duration of one plan step: the cloud's part, plus connect and the measured bootstrap. */
export function stepCost(cloud: SimulatedCloud, s: Step): number {
  const t = MEASURED.scriptMs;
  const c = cloud.cloudCost(s);
  if (s.id.startsWith('machine/')) return c + MEASURED.connectMs;
  if (s.id.startsWith('lb/')) return t.haproxy!;
  if (s.id === 'etcd/health') return t['etcd-health']!;
  if (s.id.startsWith('etcd/')) return t['etcd-member']!;
  if (s.id.startsWith('controlplane/'))
    return s.title.includes('(init)') ? t['k3s-server-init']! + t['haproxy-forwarding']! : t['k3s-server-join']!;
  if (s.id.startsWith('worker/')) return t['k3s-agent']!;
  if (s.id === 'kubeconfig') return MEASURED.downloadMs;
  // The host preflight: one short script per kubelet machine, all in parallel.
  if (s.id === 'preflight/hosts') return MEASURED.otherExecMs;
  return c;
}

/**
 * The simulated cluster's API for the onboarding checks: every Node is there as its pool asks at once
 * (the simulated join script already waited for the kubelet; the check's own API round trip is not
 * simulated, and costs nothing in the bound either).
 */
async function simulatedNodeApi(): Promise<NodeApi> {
  return {
    async waitOnboarded(name, want) {
      const now = new Date().toISOString();
      return {
        name,
        ready: true,
        readySince: now,
        labels: { ...want.labels },
        taints: [...(want.taints ?? [])],
        ...(want.providerID ? { providerID: want.providerID } : {}),
        unschedulable: false,
        createdAt: now,
      };
    },
    async close() {},
  };
}

/** Longest path through the step graph (ms), and the steps on it. */
export function criticalPath(steps: Step[], cost: (s: Step) => number): { ms: number; path: string[] } {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const memo = new Map<string, { ms: number; path: string[] }>();
  const finish = (id: string): { ms: number; path: string[] } => {
    const hit = memo.get(id);
    if (hit) return hit;
    const s = byId.get(id)!;
    let best = { ms: 0, path: [] as string[] };
    for (const n of s.needs) {
      const f = finish(n);
      if (f.ms > best.ms) best = f;
    }
    const out = { ms: best.ms + cost(s), path: [...best.path, id] };
    memo.set(id, out);
    return out;
  };
  let best = { ms: 0, path: [] as string[] };
  for (const s of steps) {
    const f = finish(s.id);
    if (f.ms > best.ms) best = f;
  }
  return best;
}

/** Counts state saves (every one rewrites the whole state.json), passing everything through. */
class CountingStore implements StateStore {
  saves = 0;
  constructor(private readonly inner: LocalStateStore) {}
  get root() {
    return this.inner.root;
  }
  list() {
    return this.inner.list();
  }
  find(...a: Parameters<StateStore['find']>) {
    return this.inner.find(...a);
  }
  read(...a: Parameters<StateStore['read']>) {
    return this.inner.read(...a);
  }
  secrets(...a: Parameters<StateStore['secrets']>) {
    return this.inner.secrets(...a);
  }
  async lock(...a: Parameters<StateStore['lock']>): Promise<ClusterHandle> {
    const h = await this.inner.lock(...a);
    const save = h.save.bind(h);
    h.save = (s) => {
      this.saves++;
      return save(s);
    };
    return h;
  }
}

export interface CaseResult {
  provider: string;
  workers: number;
  machines: number;
  scale: number;
  steps: number;
  simulatedMs: number;
  boundMs: number;
  ratio: number;
  criticalPath: string[];
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  apiCalls: number;
  notableCalls: Record<string, number>;
  stateSaves: number;
  sshConnects: number;
  stateBytes: number;
  /** Simulated time of the first and the last VM create call, from the start of create. */
  launches: [number, number] | undefined;
}

export async function runCase(
  make: (scale: number) => SimulatedCloud,
  workers: number,
  scale: number,
): Promise<CaseResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksctl-bench-sim-'));
  try {
    const sim = make(scale);
    let t0 = sim.clock.now();
    const pool = new StandinSshPool(sim.clock, MEASURED);
    const log = new SinkLogger(false, () => {});
    const signal = new AbortController().signal;
    setMaxListeners(0, signal); // as the CLI does (src/cli/main.ts)
    const store = new CountingStore(new LocalStateStore(path.join(dir, 'ksctl')));
    const deps: ManagerDeps = {
      store,
      log,
      kubeconfig: kubeconfigTarget(path.join(dir, 'kubeconfig')),
      signal,
      command: `ksctl create cluster bench (${workers} workers, simulated)`,
      attachLogFile: (f) => log.attachFile(f),
      env: {},
      // KSCTL_BENCH_TRACE=1: each step's simulated start and end on stderr.
      ...(process.env.KSCTL_BENCH_TRACE
        ? {
            onEvent: (e) => {
              if (e.type === 'start' || e.type === 'done')
                process.stderr.write(
                  `${((sim.clock.now() - t0) / 1000).toFixed(2).padStart(8)} ${e.type.padEnd(5)} ${e.step.id}\n`,
                );
            },
          }
        : {}),
    };
    const spec = sim.spec({ name: 'bench', workers });
    const manager = new SelfManagedManager(deps, {
      provider: sim.cloud,
      sshPool: () => pool,
      nodeApi: simulatedNodeApi,
    });

    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    t0 = sim.clock.now();
    await manager.create(spec, { switchContext: false });
    const simulatedMs = sim.clock.now() - t0;
    const wallMs = performance.now() - wall0;
    const cpu = process.cpuUsage(cpu0);

    const steps = buildCreatePlan(spec, await manager.planSource(spec));
    const bound = criticalPath(steps, (s) => stepCost(sim, s));
    const state = await store.read({ provider: spec.provider, region: spec.region, name: spec.name });
    if (state?.phase !== 'ready') throw new Error(`create ended in phase ${state?.phase}`);
    const runs = sim.launches?.();
    const calls = sim.apiCalls();
    return {
      provider: spec.provider,
      workers,
      machines: Object.keys(state.machines).length,
      scale,
      steps: steps.length,
      simulatedMs,
      boundMs: bound.ms,
      ratio: simulatedMs / bound.ms,
      criticalPath: bound.path,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      apiCalls: calls.total,
      notableCalls: calls.notable,
      stateSaves: store.saves,
      sshConnects: pool.connects,
      stateBytes: JSON.stringify(state, null, 2).length,
      launches: runs && runs.length > 0 ? [Math.min(...runs) - t0, Math.max(...runs) - t0] : undefined,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each case in a fresh process (`node <bundle> case <workers> <scale>`), so its peak RSS is its own. */
export function runCaseInChild(bundle: string, workers: number, scale: number): CaseResult {
  const r = spawnSync(process.execPath, [bundle, 'case', String(workers), String(scale)], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0)
    throw new Error(`${path.basename(bundle)} case (${workers} workers) failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as CaseResult;
}

/** The report of a small and a large case, with the goals every cloud is held to. */
export function report(title: string, small: CaseResult, large: CaseResult): string[] {
  const row = (label: string, value: string, goal?: string) =>
    `${label.padEnd(58)} ${value.padStart(10)}${goal ? `   goal ${goal}` : ''}`;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const detail = (c: CaseResult) =>
    `  ${c.machines} machines, ${c.steps} steps: simulated ${s(c.simulatedMs)} / bound ${s(c.boundMs)}; wall ${s(c.wallMs)}, ` +
    `CPU ${s(c.cpuMs)} (= ${s(c.cpuMs * c.scale)} simulated); ${c.apiCalls} API calls` +
    `${
      Object.keys(c.notableCalls).length > 0
        ? ` (${Object.entries(c.notableCalls)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ')})`
        : ''
    }, ` +
    `${c.stateSaves} state saves (state.json ${(c.stateBytes / 1024).toFixed(0)} KB), ${c.sshConnects} SSH connects`;
  return [
    title,
    `  (simulated = wall time x ${small.scale}: the process's own CPU and I/O count ${small.scale === 1 ? 'at their true weight' : `${small.scale} times over`})`,
    row(`${small.workers} workers: simulated wall / critical-path bound`, `${small.ratio.toFixed(3)}x`, '<= 1.05x'),
    detail(small),
    row(`${large.workers} workers: simulated wall / critical-path bound`, `${large.ratio.toFixed(3)}x`, '<= 1.10x'),
    detail(large),
    row(`peak RSS, ${small.workers} workers (own process)`, `${small.maxRssMb.toFixed(0)} MB`),
    row(`peak RSS, ${large.workers} workers (own process)`, `${large.maxRssMb.toFixed(0)} MB`, '<= 250 MB'),
    `  critical path: ${large.criticalPath.map((id) => id.replace(/^(\w+\/)bench-/, '$1')).join(' → ')}`,
  ];
}

/** Scale 1 unless $KSCTL_BENCH_SCALE says otherwise (see the header). */
const benchScale = () => Number(process.env.KSCTL_BENCH_SCALE ?? 1);

/**
 * A cloud's section of `npm run bench`: 3 and 100 workers, each in a fresh process running
 * `entry` (the cloud's bundled bench file, `import.meta.url`), reported with `title(scale)`.
 */
export function benchThreeAndHundred(entry: string, title: (scale: number) => string): { lines: string[] } {
  const scale = benchScale();
  const self = fileURLToPath(entry);
  return { lines: report(title(scale), runCaseInChild(self, 3, scale), runCaseInChild(self, 100, scale)) };
}

/** Entry point of a bundled cloud bench when run as `node <bundle> case <workers> <scale>`. */
export async function maybeRunChildCase(make: (scale: number) => SimulatedCloud): Promise<void> {
  if (process.argv[2] !== 'case') return;
  const result = await runCase(make, Number(process.argv[3]), Number(process.argv[4] ?? benchScale()));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
