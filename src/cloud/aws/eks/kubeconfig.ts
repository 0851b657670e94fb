/**
 * A kubeconfig for an EKS cluster that never embeds a token: the user entry runs
 * `aws eks get-token` (an exec credential plugin), like `aws eks update-kubeconfig` and eksctl do,
 * because a static STS token expires in about 15 minutes.
 */
import { toYaml } from '../../../util/yaml-write.js';
import type { ClusterSpec } from '../../../api/types.js';

export const contextName = (spec: Pick<ClusterSpec, 'name' | 'region'>) =>
  `${spec.name}-${spec.region}-managed-aws-ksctl`;

export function eksKubeconfig(spec: ClusterSpec, endpoint: string, caData: string): string {
  const ctx = contextName(spec);
  const args = ['eks', 'get-token', '--cluster-name', spec.name, '--region', spec.region];
  if (spec.credentials?.profile) args.push('--profile', spec.credentials.profile);
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: ctx, cluster: { server: endpoint, 'certificate-authority-data': caData } }],
    contexts: [{ name: ctx, context: { cluster: ctx, user: ctx } }],
    'current-context': ctx,
    users: [
      {
        name: ctx,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: 'aws',
            args,
            interactiveMode: 'IfAvailable',
            provideClusterInfo: false,
          },
        },
      },
    ],
  });
}
