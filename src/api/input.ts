/**
 * A partial spec, as one source gives it (flags, environment, file, prompts). Sources are merged by
 * precedence (flag > env > file > default) before defaults fill the rest.
 */
import type { ClusterFileSpec } from './v1alpha1/schema.js';

export type SpecInput = ClusterFileSpec & { name?: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep-merges inputs; earlier arguments win. Arrays are replaced whole, never concatenated. */
export function mergeInputs(...inputs: (SpecInput | undefined)[]): SpecInput {
  const out: Obj = {};
  for (const input of [...inputs].reverse()) {
    if (input) mergeInto(out, input);
  }
  return out;
}

function mergeInto(target: Obj, src: Obj): void {
  for (const [k, v] of Object.entries(src)) {
    if (v === undefined) continue;
    const cur = target[k];
    if (isObj(v) && isObj(cur)) mergeInto(cur, v);
    else target[k] = isObj(v) ? structuredClone(v) : v;
  }
}

/** Spec path → the flag that sets it, so errors can name both. */
export const FLAG_FOR_PATH: Record<string, string> = {
  name: '[name] / --name',
  'spec.provider': '--provider',
  'spec.type': '--type',
  'spec.region': '--region',
  'spec.distribution': '--distribution',
  'spec.kubernetesVersion': '--k8s-version',
  'spec.controlPlane.count': '--control-planes',
  'spec.controlPlane.size': '--cp-size',
  'spec.workers.count': '--workers',
  'spec.workers.size': '--worker-size',
  'spec.workers.spot': '--spot',
  'spec.etcd.count': '--etcd',
  'spec.etcd.size': '--etcd-size',
  'spec.loadBalancer.size': '--lb-size',
  'spec.network.allowCidrs': '--allow-cidr',
  'spec.network.cidr': '--vpc-cidr',
  'spec.credentials.profile': '--profile',
  'spec.credentials.subscriptionId': '--subscription',
  'spec.credentials.project': '--project',
};

/** Environment variables read as a source (after flags, before the file). */
export const ENV_VARS = {
  KSCTL_PROVIDER: 'spec.provider',
  KSCTL_TYPE: 'spec.type',
  KSCTL_REGION: 'spec.region',
  KSCTL_DISTRIBUTION: 'spec.distribution',
  KSCTL_K8S_VERSION: 'spec.kubernetesVersion',
} as const;

export function inputFromEnv(env: NodeJS.ProcessEnv): SpecInput {
  const out: SpecInput = {};
  // Values are checked later like any other source; the casts only carry strings through.
  if (env.KSCTL_PROVIDER) out.provider = env.KSCTL_PROVIDER as SpecInput['provider'];
  if (env.KSCTL_TYPE) out.type = env.KSCTL_TYPE as SpecInput['type'];
  if (env.KSCTL_REGION) out.region = env.KSCTL_REGION;
  if (env.KSCTL_DISTRIBUTION) out.distribution = env.KSCTL_DISTRIBUTION as SpecInput['distribution'];
  if (env.KSCTL_K8S_VERSION) out.kubernetesVersion = env.KSCTL_K8S_VERSION;
  return out;
}
