/**
 * The plan `ksctl apply -f` shows before it changes anything: what differs between a cluster file and
 * the cluster's state, as data (`-o json` prints it as is). Everything here is safe to print.
 */
import type { ClusterId, ClusterType, NodePoolSpec, TaintSpec } from '../../api/types.js';

/** A change apply makes in place. */
export type ApplyChange =
  | { kind: 'pool-add'; pool: NodePoolSpec }
  /** `machines`: how many the cluster has in the pool now (self-managed; managed clouds keep their own count). */
  | { kind: 'pool-remove'; pool: NodePoolSpec; machines?: number }
  | { kind: 'pool-resize'; pool: string; from: number; to: number; machines?: number }
  | { kind: 'pool-bounds'; pool: string; from: Bounds; to: Bounds }
  | {
      kind: 'pool-labels';
      pool: string;
      added: Record<string, string>;
      changed: { key: string; from: string; to: string }[];
      removed: Record<string, string>;
    }
  | { kind: 'pool-taints'; pool: string; added: TaintSpec[]; removed: TaintSpec[] }
  /** Who may reach SSH and the API; an empty list means the operator's own address, found at create. */
  | { kind: 'allow-cidrs'; from: string[]; to: string[]; added: string[]; removed: string[] };

export interface Bounds {
  min?: number;
  max?: number;
}

/** A difference apply will not make: it names the field, what it is and what was asked, and what to do instead. */
export interface Refusal {
  field: string;
  from: string;
  to: string;
  why: string;
}

export interface ApplyPlan {
  cluster: ClusterId;
  type: ClusterType;
  changes: ApplyChange[];
  /** The file asks for another Kubernetes version: `ksctl upgrade` does that, never apply. */
  upgrade?: { from: string; to: string };
  refused: Refusal[];
}

/** Nothing to do: no change, no upgrade, nothing refused. */
export const isEmptyPlan = (p: ApplyPlan): boolean => p.changes.length === 0 && !p.upgrade && p.refused.length === 0;
