/**
 * Simulated upgrade of 3 control planes + 3 workers (kubeadm, ssh provider): the real SelfManagedManager,
 * upgrade plan, executor and state store (real writes, fsync included) on a real-time clock, over the SSH
 * pool stand-in (scripts sleep for durations measured on the SSH test hosts) and the Kubernetes API
 * stand-in (a drain takes its measured time; a node is Ready at the new version a measured time after its
 * upgrade script ended). test/helpers/upgrade-sim.ts.
 *
 * Reported: wall time / the sum of the unavoidable steps: the staging (all nodes at once: its one
 * script's time), then, node after node, its drain, its upgrade script and its kubelet's return to Ready.
 * What ksctl adds on top (version read-back, state writes, the API polls' granularity) is the excess.
 * The backup before it is measured on its own (`npm run bench -- backup`) and skipped here (--skip-backup).
 * KSCTL_BENCH_SCALE=N divides every duration by N (quicker runs; ksctl's own costs then weigh N times).
 */
import { upgradeSim } from '../test/helpers/upgrade-sim.js';

/**
 * Durations from test/e2e/ssh-upgrade-kubeadm.test.ts (kubeadm v1.36.3 → v1.37.2, 1 control plane + 2
 * workers, its ksctl.log timestamps on this shared 2-core VM, 7 December 2026): staging (packages and
 * images uploaded and imported, all nodes at once) 12.8 s; `kubeadm upgrade apply` with the kubelet
 * swap 85 s; a worker's `kubeadm upgrade node` with the kubelet swap and its return to Ready 5.5 s
 * (split 4 + 1.5); a worker's drain under the PodDisruptionBudget (the evicted pod's replacement must be
 * Ready elsewhere) 31 s, a control plane's 7 s. Not measured (the e2e has one control plane): a second
 * control plane's `kubeadm upgrade node` (its static pods restart: taken as 30 s).
 */
export const MEASURED_UPGRADE = {
  stageMs: 12_800,
  applyMs: 85_000,
  nodeCpMs: 30_000,
  nodeWorkerMs: 4_000,
  drainCpMs: 7_000,
  drainMs: 31_000,
  readyMs: 1_500,
};

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const row = (label: string, value: string, note = '') =>
  `${label.padEnd(58)} ${value.padStart(10)}${note ? `   ${note}` : ''}`;

export async function benchUpgradeSimulated(): Promise<{ lines: string[] }> {
  const scale = Number(process.env.KSCTL_BENCH_SCALE ?? 1);
  const m = Object.fromEntries(
    Object.entries(MEASURED_UPGRADE).map(([k, v]) => [k, v / scale]),
  ) as typeof MEASURED_UPGRADE;
  const shape = { controlPlanes: 3, workers: 3 };
  // kubeadm-upgrade-node's figure differs between control planes and workers; the stand-in keys scripts by
  // name, so the control planes' `upgrade node` is charged through a per-machine wrapper below.
  const sim = await upgradeSim(
    shape,
    {
      connectMs: 32 / scale,
      scriptMs: {
        'kubeadm-upgrade-stage': m.stageMs,
        'kubeadm-upgrade-apply': m.applyMs,
        'kubeadm-upgrade-node': m.nodeWorkerMs,
      },
      otherExecMs: 50 / scale,
      uploadMs: 0,
      downloadMs: 110 / scale,
    },
    { drainMs: m.drainMs, readyMs: m.readyMs, drainMsOf: (n) => (n.startsWith('cp-') ? m.drainCpMs : m.drainMs) },
  );
  try {
    const cpNodeExtra = m.nodeCpMs - m.nodeWorkerMs;
    sim.pool.extraMs = (machine, what) =>
      what === 'kubeadm-upgrade-node' && machine.startsWith('cp-') ? cpNodeExtra : 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await sim.upgrade({});
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const nodes = shape.controlPlanes + shape.workers;
    const bound =
      m.stageMs +
      nodes * m.readyMs +
      shape.controlPlanes * m.drainCpMs +
      shape.workers * m.drainMs +
      m.applyMs +
      (shape.controlPlanes - 1) * m.nodeCpMs +
      shape.workers * m.nodeWorkerMs;
    const st = await sim.store.read(sim.id);
    if (st?.phase !== 'ready' || st.versions.kubernetes !== 'v1.37.2') throw new Error(`upgrade ended in ${st?.phase}`);
    return {
      lines: [
        `upgrade (simulated: 3 control planes + 3 workers, kubeadm; durations measured on SSH test hosts${scale === 1 ? '' : `, / ${scale}`})`,
        row('wall time / sum of unavoidable steps', `${(wall / bound).toFixed(3)}x`, 'goal <= 1.2x'),
        `  wall ${s(wall)}, unavoidable ${s(bound)} (staging ${s(m.stageMs)} once; per node drain (${s(m.drainCpMs)} control plane, ${s(m.drainMs)} worker) + script + Ready ${s(m.readyMs)}), ksctl CPU ${s((cpu.user + cpu.system) / 1000)}`,
      ],
    };
  } finally {
    sim.cleanup();
  }
}
