/**
 * A cluster's API for one step: connects through the kubeconfig in the cluster's state (a step's
 * `ctx.cluster.secrets`; self-managed: the load balancer, the cluster's CA verified), runs `fn`,
 * closes the connection. Loads @kubernetes/client-node only when called.
 */
import { ProviderError } from '../../errors.js';
import type { SecretStore } from '../../state/types.js';
import { registerSecret } from '../../util/redact.js';
import { KUBECONFIG_SECRET } from '../ksctl.js';
import { ClusterApi } from './cluster-api.js';

export async function withClusterApi<T>(
  secrets: Pick<SecretStore, 'get'>,
  what: string,
  fn: (api: ClusterApi) => Promise<T>,
): Promise<T> {
  const text = await secrets.get(KUBECONFIG_SECRET);
  if (!text)
    throw new ProviderError(`cannot ${what}: the cluster has no kubeconfig in its state yet`, {
      hint: 're-run `ksctl create cluster` to finish it',
    });
  registerSecret(text); // its key and token lines never reach a message
  const api = await ClusterApi.fromKubeconfig(text);
  try {
    return await fn(api);
  } finally {
    api.close();
  }
}
