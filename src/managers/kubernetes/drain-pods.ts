/**
 * Which pods a drain evicts, which it leaves, and which stop it: a pure verdict per pod, so tests feed
 * pod objects and read the decision. The rules are kubectl drain's (k8s.io/kubectl/pkg/drain/filters.go),
 * with ksctl's flags:
 * - mirror (static) pods (annotation `kubernetes.io/config.mirror`) are left: the API cannot delete them,
 *   the kubelet runs them from a file and they go with the machine;
 * - DaemonSet pods are left: their controller ignores cordons and would recreate them at once (kubectl's
 *   `--ignore-daemonsets`, always on);
 * - finished pods (Succeeded, Failed) are evicted whatever they hold: nothing runs in them any more;
 * - pods with an emptyDir volume stop the drain unless `deleteEmptyDirData` (that data is lost);
 * - pods no controller owns stop the drain unless `force` (nothing would recreate them);
 * - pods already being deleted (deletionTimestamp set, e.g. by an earlier attempt of this drain) are
 *   waited for, not evicted again.
 */
import type { DrainOptions } from './types.js';

/** The fields of a v1 Pod a drain reads. */
export interface RawPod {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
    deletionTimestamp?: Date | string;
  };
  spec?: { volumes?: { emptyDir?: object | null }[]; terminationGracePeriodSeconds?: number };
  status?: { phase?: string };
}

export interface DrainPod {
  namespace: string;
  name: string;
  uid: string;
  /** `namespace/name`, for messages. */
  ref: string;
  gracePeriodSeconds: number;
}

export type Refusal = 'emptyDir' | 'unmanaged';

export interface PodPlan {
  evict: DrainPod[];
  /** Already being deleted: only waited for. */
  terminating: DrainPod[];
  /** `namespace/name (DaemonSet|mirror pod)`. */
  skipped: string[];
  refused: { pod: DrainPod; why: Refusal }[];
}

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

function view(p: RawPod): DrainPod {
  const namespace = p.metadata?.namespace ?? 'default';
  const name = p.metadata?.name ?? '';
  return {
    namespace,
    name,
    uid: p.metadata?.uid ?? '',
    ref: `${namespace}/${name}`,
    gracePeriodSeconds: p.spec?.terminationGracePeriodSeconds ?? 30,
  };
}

export function planPods(pods: RawPod[], opts: Pick<DrainOptions, 'force' | 'deleteEmptyDirData'>): PodPlan {
  const plan: PodPlan = { evict: [], terminating: [], skipped: [], refused: [] };
  for (const p of pods) {
    const v = view(p);
    if (p.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) {
      plan.skipped.push(`${v.ref} (mirror pod)`);
      continue;
    }
    if (p.metadata?.deletionTimestamp) {
      plan.terminating.push(v);
      continue;
    }
    const controller = p.metadata?.ownerReferences?.find((o) => o.controller);
    if (controller?.kind === 'DaemonSet') {
      plan.skipped.push(`${v.ref} (DaemonSet ${controller.name})`);
      continue;
    }
    const finished = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
    if (!finished && !opts.deleteEmptyDirData && p.spec?.volumes?.some((vol) => vol.emptyDir)) {
      plan.refused.push({ pod: v, why: 'emptyDir' });
      continue;
    }
    if (!finished && !controller && !opts.force) {
      plan.refused.push({ pod: v, why: 'unmanaged' });
      continue;
    }
    plan.evict.push(v);
  }
  return plan;
}

/** The refusal in words, with the option that overrides it. */
export function describeRefusals(node: string, refused: PodPlan['refused']): { message: string; hint: string } {
  const emptyDir = refused.filter((r) => r.why === 'emptyDir').map((r) => r.pod.ref);
  const unmanaged = refused.filter((r) => r.why === 'unmanaged').map((r) => r.pod.ref);
  const parts: string[] = [];
  const hints: string[] = [];
  if (emptyDir.length) {
    parts.push(`pods with emptyDir data that is lost with the node: ${emptyDir.join(', ')}`);
    hints.push('--delete-emptydir-data to evict them anyway');
  }
  if (unmanaged.length) {
    parts.push(`pods no controller would recreate: ${unmanaged.join(', ')}`);
    hints.push('--force to evict them anyway');
  }
  return {
    message: `cannot drain node ${node}: ${parts.join('; ')} (nothing was evicted; the node stays cordoned)`,
    hint: `move them, or pass ${hints.join(' and ')}`,
  };
}
