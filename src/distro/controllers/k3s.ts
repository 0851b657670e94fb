/** k3s: one token shared by every server and agent; joins go through the load balancer. */
import { K3S_KUBECONFIG_PATH, k3sAgentJoinScript, k3sServerInitScript, k3sServerJoinScript, k3sUninstallScript } from '../scripts/k3s.js';
import { SECRET_ENV } from '../pki/names.js';
import { ensureDistributionSecrets, TOKEN_SECRETS } from '../cluster-secrets.js';
import { commonUninstall, nodeInput } from './node-input.js';
import type { DistroController } from './types.js';

export function k3sController(): DistroController {
  return {
    name: 'k3s',
    kubeconfigPath: K3S_KUBECONFIG_PATH,
    ensureSecrets: (secrets) => ensureDistributionSecrets(secrets, 'k3s'),
    async secretEnv(secrets) {
      const token = await secrets.get(TOKEN_SECRETS.k3sToken);
      if (!token) throw new Error('k3s token has not been generated');
      return { [SECRET_ENV.k3sToken]: token.trim() };
    },
    initScripts: async (t, cp0) => [k3sServerInitScript(nodeInput(t, cp0))],
    joinControlPlaneScripts: async (t, cp) => [k3sServerJoinScript(nodeInput(t, cp))],
    joinWorkerScripts: async (t, w) => [k3sAgentJoinScript(nodeInput(t, w))],
    // k3s tokens do not expire.
    prepareJoin: async () => {},
    kubectl: (args) => `/usr/local/bin/k3s kubectl ${args}`,
    uninstallScript: (role) => commonUninstall(role) ?? k3sUninstallScript(),
  };
}
