/**
 * One entry of `spec.nodePools` in the cluster file. Taints may be written as kubectl prints them
 * (`key=value:Effect`) or as Kubernetes stores them ({key, value, effect}); both resolve to the
 * structured form here, so a malformed taint is reported at its path before anything else runs.
 * Label syntax and the pool's rules (counts within min/max, unique names) are checked in
 * ../validate-pools.ts on the resolved spec, for every source.
 */
import { z } from 'zod';
import * as L from '../limits.js';
import { parseTaint } from '../k8s-labels.js';
import { TAINT_EFFECTS } from '../types.js';

const count = (what: string) => z.number().int().min(0).max(L.MAX_MACHINES_PER_CLUSTER).describe(what);

const TaintText = z
  .string()
  .max(L.MAX_TAINT_TEXT)
  .transform((text, ctx) => {
    const t = parseTaint(text);
    if (typeof t === 'string') {
      ctx.addIssue({ code: 'custom', message: t });
      return z.NEVER;
    }
    return t;
  })
  .describe('A taint as kubectl writes it: key=value:Effect or key:Effect');

const TaintObject = z
  .object({
    key: z.string().max(L.MAX_TAINT_TEXT).describe('Taint key (a label key: [prefix/]name)'),
    value: z.string().max(L.MAX_TAINT_TEXT).optional().describe('Taint value (a label value; default empty)'),
    effect: z.enum(TAINT_EFFECTS).describe('NoSchedule, PreferNoSchedule or NoExecute'),
  })
  .strict()
  .transform((t) => ({ key: t.key, value: t.value ?? '', effect: t.effect }));

export const NodePoolFileSchema = z
  .object({
    name: z.string().max(L.MAX_SHORT_STRING).describe('Pool name (DNS label, unique in the cluster)'),
    count: count('Nodes in the pool (ssh provider: default the workers listed with it in machines)').optional(),
    min: count('Fewest nodes the autoscaler may leave (count must be >= min)').optional(),
    max: count('Most nodes the autoscaler may make (count must be <= max)').optional(),
    size: z.string().max(L.MAX_SHORT_STRING).describe('Instance type / VM size (default: the worker size)').optional(),
    spot: z.boolean().describe('Use spot / preemptible capacity (default false)').optional(),
    labels: z
      .record(z.string().max(L.MAX_LABEL_KEY_TEXT), z.string().max(L.MAX_TAINT_TEXT))
      .describe(
        'Node labels: keys [prefix/]name, values up to 63 characters (Kubernetes label syntax); not under kubernetes.io or k8s.io except node.kubernetes.io/…',
      )
      .optional(),
    taints: z
      .array(z.union([TaintText, TaintObject]))
      .max(L.MAX_POOL_TAINTS)
      .describe('Node taints: "key=value:Effect" or {key, value, effect}')
      .optional(),
    zones: z
      .array(z.string().max(L.MAX_SHORT_STRING))
      .max(L.MAX_POOL_ZONES)
      .describe(
        "The pool's zones: EKS (the cluster's subnets there), AKS (availabilityZones 1-3), GKE (locations; the count divisible by their number); refused on kind and self-managed clusters",
      )
      .optional(),
  })
  .strict();
