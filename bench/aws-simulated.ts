/**
 * Simulated AWS create: an HA self-managed k3s cluster (1 LB, 3 etcd, 3 control planes) with 3 and
 * with 100 workers, through the real SelfManagedManager, executor, LocalStateStore (real state and
 * secret writes in a temp dir) and AWS provider (real SDK clients), against FakeAws with its default
 * latencies (instance start 30 s) on a scaled clock. The bootstrap runs over a STAND-IN SSH pool
 * (test/fakes/ssh-pool-standin.ts) whose operations sleep on the same clock for durations measured
 * on the real SSH test hosts (MEASURED below).
 *
 * Reported: simulated wall time / critical-path bound, where the bound is the longest path through
 * the plan's actual steps and `needs`, each step costing its simulated duration (instance start +
 * SSH connect for machines, the measured scripts for bootstrap steps, 0 for local work). And the
 * peak RSS of the process; each case runs in a fresh child process so that figure is its own.
 *
 * The clock: FakeAws's scaled clock at scale 1 by default ($KSCTL_BENCH_AWS_SCALE to change it), so
 * a case takes as long as the simulated create (~38 s) and the process's own CPU and I/O (SDK calls,
 * key generation, PKI, state writes with fsync) count at their true weight: ~1 s of CPU for 100
 * workers, most of it while instances start. At scale N every real millisecond counts N times, so
 * the ratio only gets worse with N (measured on a loaded 2-core VM, 3 / 100 workers: 1.03 / 1.04 at
 * scale 1; up to 1.12 / 1.09 at scale 2; 1.15-1.33 / 1.41-1.49 at scale 10). The report prints the
 * CPU time and what it amounts to in simulated time. The virtual clock is no option: it jumps to the
 * next sleeper whenever the event loop turns, without waiting for real I/O in flight, so every state
 * write stretches simulated time by "the gap to the next sleeper".
 *
 * Bundled and run by bench/run.mjs (`npm run bench -- aws`); the bundle is also the child process
 * entry point (`node .bench-tmp/aws-simulated.mjs case <workers> <scale>`).
 */
import { spawnSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ClusterSpec } from '../src/api/types.js';
import { createAwsSelfManaged } from '../src/cloud/aws/index.js';
import { SinkLogger } from '../src/io/logger.js';
import { kubeconfigTarget } from '../src/kubeconfig/loading.js';
import { SelfManagedManager } from '../src/managers/selfmanaged/manager.js';
import { buildCreatePlan } from '../src/managers/selfmanaged/plan.js';
import type { ManagerDeps } from '../src/managers/types.js';
import type { Step } from '../src/pipeline/types.js';
import { LocalStateStore } from '../src/state/local/store.js';
import type { ClusterHandle, StateStore } from '../src/state/types.js';
import { FakeAws } from '../test/fakes/aws/fake-aws.js';
import { defaultConfig } from '../test/fakes/aws/config.js';
import { awsSpec } from '../test/fakes/aws/world.js';
import { StandinSshPool, type SshStandinTimings } from '../test/fakes/ssh-pool-standin.js';

/**
 * Bootstrap durations measured on the real SSH test hosts: medians of 18 runs of
 * `ksctl create cluster` (aws, k3s, 1 LB + 3 etcd + 3 CPs + 2 workers, air-gapped, 9 test hosts on
 * this 2-core VM; test/e2e/aws-selfmanaged.test.ts's topology), from state.json step durations and
 * ksctl.log timestamps. A script's figure is its whole step (uploads and state writes included), so
 * uploads cost nothing extra here.
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

const INSTANCE_START_MS = defaultConfig().latencies.instanceStart;
const DEFAULT_SCALE = 1;

/** Simulated duration of one plan step (see MEASURED); local work (API calls at 0 latency, PKI, secrets) counts 0. */
function stepCost(s: Step): number {
  const t = MEASURED.scriptMs;
  if (s.id.startsWith('machine/')) return INSTANCE_START_MS + MEASURED.connectMs;
  if (s.id.startsWith('lb/')) return t.haproxy!;
  if (s.id === 'etcd/health') return t['etcd-health']!;
  if (s.id.startsWith('etcd/')) return t['etcd-member']!;
  if (s.id.startsWith('controlplane/')) return s.title.includes('(init)') ? t['k3s-server-init']! + t['haproxy-forwarding']! : t['k3s-server-join']!;
  if (s.id.startsWith('worker/')) return t['k3s-agent']!;
  if (s.id === 'kubeconfig') return MEASURED.downloadMs;
  return 0;
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
  describeInstances: number;
  stateSaves: number;
  sshConnects: number;
  stateBytes: number;
  /** Simulated time of the first and the last RunInstances call, from the start of create. */
  launches: [number, number];
}

export async function runCase(workers: number, scale: number): Promise<CaseResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksctl-bench-aws-'));
  try {
    const fake = new FakeAws({ clock: { scale }, config: { defaultQuota: { onDemand: 4096, spot: 4096 } } });
    let t0 = fake.clock.now();
    const provider = createAwsSelfManaged({ runtime: fake.runtime() });
    const pool = new StandinSshPool(fake.clock, MEASURED);
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
      // KSCTL_BENCH_AWS_TRACE=1: each step's simulated start and end on stderr.
      ...(process.env.KSCTL_BENCH_AWS_TRACE
        ? {
            onEvent: (e) => {
              if (e.type === 'start' || e.type === 'done') process.stderr.write(`${((fake.clock.now() - t0) / 1000).toFixed(2).padStart(8)} ${e.type.padEnd(5)} ${e.step.id}\n`);
            },
          }
        : {}),
    };
    const spec: ClusterSpec = awsSpec({
      name: 'bench',
      controlPlane: { count: 3, size: 't3.medium' },
      etcd: { count: 3, size: 't3.small' },
      workers: { count: workers, size: 't3.large', spot: false },
      network: { cidr: '10.0.0.0/16', allowCidrs: ['198.51.100.77/32'] },
    });
    const manager = new SelfManagedManager(deps, { provider, sshPool: () => pool });

    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    t0 = fake.clock.now();
    await manager.create(spec, { switchContext: false });
    const simulatedMs = fake.clock.now() - t0;
    const wallMs = performance.now() - wall0;
    const cpu = process.cpuUsage(cpu0);

    const rt = await manager.runtime(spec);
    const steps = buildCreatePlan(spec, rt.provider, rt);
    const bound = criticalPath(steps, stepCost);
    const state = await store.read({ provider: 'aws', region: spec.region, name: spec.name });
    if (state?.phase !== 'ready') throw new Error(`create ended in phase ${state?.phase}`);
    const runs = fake.callsOf('ec2:RunInstances').map((c) => c.at);
    return {
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
      apiCalls: fake.calls.length,
      describeInstances: fake.callsOf('ec2:DescribeInstances').length,
      stateSaves: store.saves,
      sshConnects: pool.connects,
      stateBytes: JSON.stringify(state, null, 2).length,
      launches: [Math.min(...runs) - t0, Math.max(...runs) - t0],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each case in a fresh process, so its peak RSS is its own. */
function runCaseInChild(workers: number, scale: number): CaseResult {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, 'case', String(workers), String(scale)], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`aws bench case (${workers} workers) failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as CaseResult;
}

export async function benchAwsSimulated(): Promise<{ lines: string[] }> {
  const scale = Number(process.env.KSCTL_BENCH_AWS_SCALE ?? DEFAULT_SCALE);
  const small = runCaseInChild(3, scale);
  const large = runCaseInChild(100, scale);
  const row = (label: string, value: string, goal?: string) => `${label.padEnd(58)} ${value.padStart(10)}${goal ? `   goal ${goal}` : ''}`;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const detail = (c: CaseResult) =>
    `  ${c.machines} machines, ${c.steps} steps: simulated ${s(c.simulatedMs)} / bound ${s(c.boundMs)}; wall ${s(c.wallMs)}, ` +
    `CPU ${s(c.cpuMs)} (= ${s(c.cpuMs * c.scale)} simulated); ${c.apiCalls} API calls (${c.describeInstances} DescribeInstances), ` +
    `${c.stateSaves} state saves (state.json ${(c.stateBytes / 1024).toFixed(0)} KB), ${c.sshConnects} SSH connects`;
  return {
    lines: [
      `AWS simulated create: HA k3s (1 LB, 3 etcd, 3 CPs) + workers, FakeAws (instance start ${INSTANCE_START_MS / 1000} s) on a ${scale}x clock, stand-in SSH with measured durations`,
      `  (simulated = wall time x ${scale}: the process's own CPU and I/O count ${scale === 1 ? 'at their true weight' : `${scale} times over`})`,
      row('3 workers: simulated wall / critical-path bound', `${small.ratio.toFixed(3)}x`, '<= 1.05x'),
      detail(small),
      row('100 workers: simulated wall / critical-path bound', `${large.ratio.toFixed(3)}x`, '<= 1.10x'),
      detail(large),
      row('peak RSS, 3 workers (own process)', `${small.maxRssMb.toFixed(0)} MB`),
      row('peak RSS, 100 workers (own process)', `${large.maxRssMb.toFixed(0)} MB`, '<= 250 MB'),
      `  critical path: ${large.criticalPath.map((id) => id.replace(/^(\w+\/)bench-/, '$1')).join(' → ')}`,
    ],
  };
}

if (process.argv[2] === 'case' && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runCase(Number(process.argv[3]), Number(process.argv[4] ?? DEFAULT_SCALE));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
