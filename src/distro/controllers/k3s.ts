/**
 * k3s: one token shared by every server and agent; joins go through the load balancer. Joining
 * nodes pin the cluster CA: before the first join ksctl reads the CA hash from control plane 0's own
 * K10 token (over SSH, whose host key is pinned) and every join writes the full token, so a node never
 * trusts whatever answers at the load balancer's address.
 */
import type { Script } from '../scripts/types.js';
import {
  K3S_KUBECONFIG_PATH,
  k3sAgentJoinScript,
  k3sCaHashScript,
  k3sRestartScript,
  k3sServerInitScript,
  k3sServerJoinScript,
  k3sUninstallScript,
  k3sVersionScript,
} from '../scripts/k3s.js';
import { SECRET_ENV } from '../pki/names.js';
import { ensureDistributionSecrets, TOKEN_SECRETS } from '../cluster-secrets.js';
import { commonUninstall, nodeInput } from './node-input.js';
import { CA_HASH_PLACEHOLDER, isPlaceholder } from './placeholders.js';
import { liveOf, type DistroController, type SecretReader } from './types.js';

/** Kept with the token: not secret itself, but it is what the cluster's trust rests on. */
export const K3S_CA_HASH_SECRET = 'k3s-ca-hash';

async function caHashOf(secrets: SecretReader): Promise<{ caHash?: string }> {
  if (isPlaceholder(secrets)) return { caHash: CA_HASH_PLACEHOLDER };
  const h = (await secrets.get(K3S_CA_HASH_SECRET))?.trim();
  return h ? { caHash: h } : {};
}

export function k3sController(): DistroController {
  // Joins run in parallel: the first reads the hash, the others wait for it.
  let reading: Promise<void> = Promise.resolve();
  return {
    name: 'k3s',
    kubeconfigPath: K3S_KUBECONFIG_PATH,
    ensureSecrets: (secrets) => ensureDistributionSecrets(secrets, 'k3s'),
    async secretEnv(secrets) {
      const token = await secrets.get(TOKEN_SECRETS.k3sToken);
      if (!token) throw new Error('k3s token has not been generated');
      return { [SECRET_ENV.k3sToken]: token.trim() };
    },
    initScripts: async (n) => [k3sServerInitScript(nodeInput(n))],
    joinControlPlaneScripts: async (n) => [k3sServerJoinScript({ ...nodeInput(n), ...(await caHashOf(n.secrets)) })],
    joinWorkerScripts: async (n) => [k3sAgentJoinScript({ ...nodeInput(n), ...(await caHashOf(n.secrets)) })],
    // k3s is one binary: its own install script at the new version swaps it and restarts the service
    // with the node's unchanged configuration (air-gapped: the k3s binary now in spec.airgap.dir).
    upgradeStageScripts: async () => [],
    async upgradeScripts(n, first) {
      if (n.machine.role === 'worker')
        return [k3sAgentJoinScript({ ...nodeInput(n), ...(await caHashOf(n.secrets)) }), k3sRestartScript('agent')];
      if (first) return [k3sServerInitScript(nodeInput(n)), k3sRestartScript('server')];
      return [k3sServerJoinScript({ ...nodeInput(n), ...(await caHashOf(n.secrets)) }), k3sRestartScript('server')];
    },
    // k3s tokens do not expire; the CA hash is read once (CP0 keeps its CA for the cluster's life).
    prepareJoin(n) {
      const live = liveOf(n);
      const ctx = live.ctx;
      const onControlPlane0 = (script: Script) => live.onControlPlane0(script);
      const read = reading.then(async () => {
        const secrets = ctx.cluster.secrets;
        if (await secrets.has(K3S_CA_HASH_SECRET)) return;
        const out = await onControlPlane0(k3sCaHashScript());
        const hash = /^ca-hash ([0-9a-f]{64})$/m.exec(out)?.[1];
        if (!hash)
          throw new Error(
            `could not read the cluster CA hash on ${n.topology.controlPlanes[0]?.name ?? 'control plane 0'}`,
          );
        await secrets.put(K3S_CA_HASH_SECRET, hash);
        ctx.log.debug(`k3s cluster CA sha256 ${hash}: joins pin it`);
      });
      reading = read.catch(() => undefined); // a failed read fails its own join; the next one tries again
      return read;
    },
    versionScript: k3sVersionScript,
    kubectl: (args) => `/usr/local/bin/k3s kubectl ${args}`,
    uninstallScript: (role) => commonUninstall(role) ?? k3sUninstallScript(),
  };
}
