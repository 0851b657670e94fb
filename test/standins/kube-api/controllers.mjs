// TEST STAND-IN support (not shipped): the one controller-manager loop health checks depend
// on — the node lifecycle controller. A node whose kubelet stopped posting status for longer than
// the grace period (40 s, like --node-monitor-grace-period) gets its conditions set to Unknown
// ("Kubelet stopped posting node status.") and the node.kubernetes.io/unreachable taint; the taint
// goes away when the kubelet reports Ready again. Every stand-in API server runs it; writes use
// compare-and-swap (see Rest.patch) so several control planes do not fight.
import { nowIso } from './objects.mjs';

const UNREACHABLE = 'node.kubernetes.io/unreachable';

export function graceMs() {
  return Number(process.env.KUBE_STANDIN_NODE_MONITOR_GRACE_SECONDS ?? 40) * 1000;
}

async function checkNode(rest, n, grace) {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready) return;
  const taints = n.spec?.taints ?? [];
  const hasTaint = taints.some((t) => t.key === UNREACHABLE);
  const stale = Date.now() - Date.parse(ready.lastHeartbeatTime) > grace;
  if (stale && ready.status !== 'Unknown') {
    const now = nowIso();
    const conditions = n.status.conditions.map((c) => ({ ...c, status: 'Unknown', reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.', lastTransitionTime: now }));
    const newTaints = hasTaint ? taints : [...taints, { key: UNREACHABLE, effect: 'NoSchedule', timeAdded: now }];
    await rest.patch('nodes', undefined, n.metadata.name, 'application/merge-patch+json',
      { spec: { taints: newTaints }, status: { conditions } });
  } else if (!stale && ready.status === 'True' && hasTaint) {
    await rest.patch('nodes', undefined, n.metadata.name, 'application/merge-patch+json',
      { spec: { taints: taints.filter((t) => t.key !== UNREACHABLE) } });
  }
}

/** Start the loop; returns a stop function. */
export function startNodeLifecycle(rest) {
  const grace = graceMs();
  const period = Math.min(5000, Math.max(250, grace / 4));
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const { items } = await rest.list('nodes');
      for (const n of items) await checkNode(rest, n, grace).catch(() => {});
    } catch {
      // datastore briefly unavailable: try again next period
    } finally {
      running = false;
    }
  }, period);
  timer.unref();
  return () => clearInterval(timer);
}
