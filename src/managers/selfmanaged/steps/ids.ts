/**
 * Step ids, written once: plans, needs and the day-2 plans (which find create's records by id) use
 * these helpers, never the strings. A day-2 step carries its run's stamp (`stamped`), so a worker
 * removed and added again under the same name is not skipped as "done" by an old run.
 */
import type { Role } from '../../../api/types.js';

export const stepId = {
  /** The cluster-wide join credentials of the distribution. */
  secrets: 'secrets/distribution',
  /** The host preflight (cgroup v2) of every machine that will run a kubelet. */
  hostPreflight: 'preflight/hosts',
  etcdPki: 'pki/etcd',
  etcdHealth: 'etcd/health',
  kubeconfig: 'kubeconfig',
  machine: (name: string) => `machine/${name}`,
  loadBalancer: (name: string) => `lb/${name}`,
  etcdMember: (name: string) => `etcd/${name}`,
  /** Control plane (init or join) or worker join. */
  node: (m: { name: string; role: Role }) => `${m.role === 'worker' ? 'worker' : 'controlplane'}/${m.name}`,
  /** A worker's onboarding check through the API (after its join). */
  onboard: (name: string) => `onboard/${name}`,
  drain: (name: string, stamp: number) => `drain/${name}/${stamp}`,
  uninstall: (name: string, stamp: number) => `uninstall/${name}/${stamp}`,
  release: (name: string, stamp: number) => `forget/${name}/${stamp}`,
} as const;

/** The id of a step in one day-2 run. */
export const stamped = (id: string, stamp: number) => `${id}@${stamp}`;
