/**
 * Input checks and derived values shared by the k3s and kubeadm node scripts.
 */
import { InputError } from '../../errors.js';
import { assertAddress, assertName, assertPort, assertUnique } from './common.js';
import {
  formatTaint,
  labelKeyProblem,
  labelValueProblem,
  reservedLabelProblem,
  taintProblem,
} from '../../api/k8s-labels.js';
import type { ApiEndpoint, NodeInput, RegistrationInput } from './types.js';

/** Names and addresses end up in YAML, flags and unit files: reject anything unexpected early. */
export function validateNodeInput(input: NodeInput): void {
  assertName(input.cluster, 'cluster');
  assertName(input.node.name, 'node.name');
  assertAddress(input.node.address, 'node.address');
  assertProviderId(input.providerId);
  assertAddress(input.loadBalancer.address, 'loadBalancer.address');
  if (input.loadBalancer.publicAddress) assertAddress(input.loadBalancer.publicAddress, 'loadBalancer.publicAddress');
  (input.loadBalancer.extraSans ?? []).forEach((s, i) => assertAddress(s, `loadBalancer.extraSans[${i}]`));
  if (input.loadBalancer.port !== undefined) assertPort(input.loadBalancer.port, 'loadBalancer.port');
  const etcd = input.etcd ?? [];
  etcd.forEach((m, i) => {
    assertName(m.name, `etcd[${i}].name`);
    assertAddress(m.address, `etcd[${i}].address`);
  });
  assertUnique(
    etcd.map((m) => m.name),
    'etcd[].name',
  );
  if (input.timeoutSeconds !== undefined && !(input.timeoutSeconds > 0)) {
    throw new InputError('timeoutSeconds must be positive', ['timeoutSeconds']);
  }
  if (input.registration) validateRegistration(input.registration);
}

/**
 * Labels and taints go into YAML and a comma-separated kubelet flag: the spec's validation already
 * refused bad ones (naming spec.nodePools), this keeps a script from ever carrying one. A label the
 * kubelet may not set on itself (NodeRestriction) would stop it from starting at all.
 */
function validateRegistration(r: RegistrationInput): void {
  for (const [key, value] of Object.entries(r.labels)) {
    const problem = labelKeyProblem(key) ?? reservedLabelProblem(key) ?? labelValueProblem(value);
    if (problem) throw new InputError(`node label ${key}=${value}: ${problem}`, [`registration.labels.${key}`]);
  }
  r.taints.forEach((t, i) => {
    const problem = taintProblem(t);
    if (problem) throw new InputError(`node taint ${i}: ${problem}`, [`registration.taints[${i}]`]);
  });
}

/** `k=v` for the kubelet's `--node-labels` (and k3s's `node-label`), sorted by key. */
export function labelArgs(r: RegistrationInput | undefined): string[] {
  return Object.keys(r?.labels ?? {})
    .sort()
    .map((k) => `${k}=${r!.labels[k]}`);
}

/** `key=value:Effect` for the kubelet's `--register-with-taints` (and k3s's `node-taint`). */
export function taintArgs(r: RegistrationInput | undefined): string[] {
  return (r?.taints ?? []).map(formatTaint);
}

/**
 * `scheme://rest`, with nothing YAML, a flag value or a unit file could mis-read. The forms ksctl
 * writes: `aws:///<zone>/<instance>`, `azure:///subscriptions/...`, `gce://<project>/<zone>/<name>`,
 * `ksctl://<cluster>/<machine>`.
 */
export function assertProviderId(id: string): void {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[A-Za-z0-9._~:/@()-]+$/.test(id ?? '')) {
    throw new InputError(`providerId "${id}" is not a provider ID (scheme://path)`, ['providerId']);
  }
}

/** Subject alternative names for the API server certificate: the LB's addresses, deduplicated, in order. */
export function lbSans(lb: ApiEndpoint): string[] {
  return [...new Set([lb.address, ...(lb.publicAddress ? [lb.publicAddress] : []), ...(lb.extraSans ?? [])])];
}
