/**
 * Input checks and derived values shared by the k3s and kubeadm node scripts.
 */
import { InputError } from '../../errors.js';
import { assertAddress, assertName, assertPort, assertUnique } from './common.js';
import type { ApiEndpoint, NodeInput } from './types.js';

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
