/** The work behind `get clusters` / `get cluster`. */
import { POOL_STATUS_TIMEOUT_MS } from '../api/pool-change.js';
import { KsctlManager } from '../managers/ksctl.js';
import type { PoolStatus } from '../managers/pool-status.js';
import type { ManagerDeps } from '../managers/types.js';
import { summaryOf } from '../state/summary.js';
import type { ClusterState, StepRecord } from '../state/types.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { managerDeps } from './deps.js';
import type { SelectFlags } from './get.js';
import { age, printData, renderTable } from './output.js';

export async function listClusters(flags: SelectFlags, g: GlobalOptions, cenv: CommandEnv): Promise<void> {
  const io = cenv.io(g);
  const ksctl = new KsctlManager(managerDeps(g, cenv, io));
  const { clusters, problems } = await ksctl.list();
  const shown = clusters.filter(
    (c) => (!flags.provider || c.provider === flags.provider) && (!flags.region || c.region === flags.region),
  );
  for (const p of problems) io.err(`warning: ${p.error}`);
  await printData(io, g.output, shown, () =>
    shown.length === 0
      ? 'No clusters found.'
      : renderTable(
          ['NAME', 'PROVIDER', 'REGION', 'TYPE', 'PHASE', 'VERSION', 'CP', 'WORKERS', 'AGE'],
          shown.map((s) => [
            s.name,
            s.provider,
            s.region,
            s.type,
            s.phase,
            s.kubernetesVersion ?? '-',
            String(s.controlPlanes),
            String(s.workers),
            age(s.createdAt),
          ]),
        ),
  );
}

/**
 * Each pool's desired and ready counts. Ready comes from the cluster's API, asked only for a cluster
 * with a kubeconfig, within a short bound; the API client (@kubernetes/client-node) loads only here.
 */
async function poolsOf(s: ClusterState, deps: ManagerDeps): Promise<{ pools: PoolStatus[]; unreachable?: string }> {
  const { countPools, poolStatus, reasonOf } = await import('../managers/pool-status.js');
  if (s.spec.nodePools.length === 0) return { pools: [] };
  if (!s.kubeconfig) return { pools: countPools(s.spec), unreachable: 'the cluster has no kubeconfig yet' };
  const kube = await (await import('../managers/kubernetes.js')).kubernetesManager(deps);
  try {
    // Connecting reads the kubeconfig and loads the API client (no request yet): outside the API's bound,
    // which is for the network (on a busy machine the client alone takes seconds to load).
    const api = await kube.cluster(s.id);
    return await poolStatus(s.spec, () => api.nodes(), POOL_STATUS_TIMEOUT_MS);
  } catch (e) {
    return { pools: countPools(s.spec), unreachable: reasonOf(e) };
  } finally {
    await kube.close();
  }
}

/** The latest attempt of each step, in first-seen order, plus counts of earlier attempts. */
function stepHistory(steps: StepRecord[]) {
  const latest = new Map<string, StepRecord & { attempts: number }>();
  for (const s of steps) latest.set(s.id, { ...s, attempts: (latest.get(s.id)?.attempts ?? 0) + 1 });
  return [...latest.values()];
}

/** `v1.37.2 (asked for 1.37)`: what runs first, then what was asked when that differs. */
function kubernetesLine(s: ClusterState): string {
  const asked = s.spec.kubernetesVersion;
  const runs = s.versions.kubernetes;
  if (!runs)
    return asked ?? s.versions.nodeImage ?? (s.type === 'managed' ? "the cloud's default (resolved at create)" : '-');
  return asked && asked !== runs ? `${runs} (asked for ${asked})` : asked ? runs : `${runs} (the cloud's default)`;
}

export async function describeCluster(
  name: string,
  flags: SelectFlags,
  g: GlobalOptions,
  cenv: CommandEnv,
): Promise<void> {
  const io = cenv.io(g);
  const ksctl = new KsctlManager(managerDeps(g, cenv, io));
  const s = await ksctl.describe(await ksctl.resolve(name, flags));
  if (s.type === 'selfmanaged') {
    const deps = managerDeps(g, cenv, io);
    for (const w of await (await import('../managers/certs/warnings.js')).certificateWarnings(deps.store, s))
      io.err(`warning: ${w}`);
  }
  const machines = Object.values(s.machines);
  const pools = await poolsOf(s, managerDeps(g, cenv, io));
  const data = {
    ...summaryOf(s),
    pools: pools.pools,
    ...(pools.unreachable ? { poolsUnknownReason: pools.unreachable } : {}),
    spec: s.spec,
    versions: s.versions,
    machines,
    resources: s.resources,
    runs: s.runs,
    steps: stepHistory(s.steps),
    lastError: s.lastError ?? null,
    ...(s.restoredFrom ? { restoredFrom: s.restoredFrom } : {}),
  };
  await printData(io, g.output, data, () => {
    const lines = [
      `Name:         ${s.id.name}`,
      `Provider:     ${s.id.provider} (${s.type})`,
      `Region:       ${s.id.region}`,
      `Phase:        ${s.phase}`,
      ...(s.spec.distribution ? [`Distribution: ${s.spec.distribution}`] : []),
      `Kubernetes:   ${kubernetesLine(s)}`,
      ...(s.versions.upgradeTarget
        ? [`Upgrading:    to ${s.versions.upgradeTarget}, unfinished (each machine's version below, as read back)`]
        : []),
      `Context:      ${s.kubeconfig?.context ?? '-'}${s.kubeconfig?.server ? ` (${s.kubeconfig.server})` : ''}`,
      `Roles:        control planes ${s.spec.controlPlane.count}, workers ${s.spec.workers.count}${s.type === 'selfmanaged' ? `, etcd ${s.spec.etcd.count === 0 ? 'embedded' : s.spec.etcd.count}` : ''}`,
      `Created:      ${s.createdAt}`,
      ...(s.restoredFrom
        ? [
            `Restored from: ${s.restoredFrom.bundle} of ${s.restoredFrom.cluster.name} (${s.restoredFrom.cluster.provider}/${s.restoredFrom.cluster.region}), taken ${s.restoredFrom.backupCreatedAt}, at ${s.restoredFrom.target}`,
          ]
        : []),
    ];
    if (s.lastError) lines.push(`Last error:   ${s.lastError.split('\n')[0]}`);
    if (pools.pools.length) {
      const bound = (p: PoolStatus) =>
        p.min !== undefined || p.max !== undefined ? `${p.min ?? '-'}/${p.max ?? '-'}` : '-';
      lines.push(
        '',
        `Node pools:${pools.unreachable ? ` (ready unknown: ${pools.unreachable})` : ''}`,
        renderTable(
          ['NAME', 'DESIRED', 'READY', 'MIN/MAX'],
          pools.pools.map((p) => [p.name, String(p.desired), String(p.ready), bound(p)]),
        ).replace(/^/gm, '  '),
      );
    }
    if (machines.length) {
      const rows = machines.map((m) => [
        m.name,
        m.role,
        m.publicAddress ?? '-',
        m.privateAddress ?? '-',
        // An upgrade replacing the worker by a new machine says which (docs/upgrades.md).
        m.replacedBy ? `${m.status}, replaced by ${m.replacedBy}` : m.status,
        m.installed ? `${m.installed.kubernetes} (${m.installed.distribution})` : '-',
      ]);
      lines.push(
        '',
        'Machines:',
        renderTable(['NAME', 'ROLE', 'PUBLIC', 'PRIVATE', 'STATUS', 'INSTALLED'], rows).replace(/^/gm, '  '),
      );
    }
    const resources = Object.entries(s.resources);
    if (resources.length)
      lines.push(
        '',
        'Resources:',
        renderTable(
          ['KEY', 'KIND', 'ID'],
          resources.map(([k, r]) => [k, r.kind, r.id]),
        ).replace(/^/gm, '  '),
      );
    const steps = stepHistory(s.steps);
    if (steps.length) {
      lines.push(
        '',
        'Steps:',
        renderTable(
          ['STEP', 'STATUS', 'DURATION', 'ATTEMPTS', 'ERROR'],
          steps.map((st) => [
            st.title,
            st.status,
            st.durationMs !== undefined ? `${(st.durationMs / 1000).toFixed(1)}s` : '-',
            String(st.attempts),
            (st.error ?? '').split('\n')[0] ?? '',
          ]),
        ).replace(/^/gm, '  '),
      );
    }
    return lines.join('\n');
  });
}
