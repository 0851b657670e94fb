/**
 * A kubeconfig for a GKE cluster that never embeds a token: the user entry runs
 * `gke-gcloud-auth-plugin` (an exec credential plugin), as `gcloud container clusters
 * get-credentials` writes it, because access tokens expire within an hour.
 */
import { toYaml } from '../../../util/yaml-write.js';
import type { ClusterSpec } from '../../../api/types.js';

export const contextName = (spec: Pick<ClusterSpec, 'name' | 'region'>) =>
  `${spec.name}-${spec.region}-managed-gcp-ksctl`;

export function gkeKubeconfig(spec: ClusterSpec, endpoint: string, caData: string): string {
  const ctx = contextName(spec);
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: ctx, cluster: { server: `https://${endpoint}`, 'certificate-authority-data': caData } }],
    contexts: [{ name: ctx, context: { cluster: ctx, user: ctx } }],
    'current-context': ctx,
    users: [
      {
        name: ctx,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: 'gke-gcloud-auth-plugin',
            installHint: 'Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin',
            provideClusterInfo: true,
            interactiveMode: 'IfAvailable',
          },
        },
      },
    ],
  });
}
