/**
 * kubeadm: ksctl's own CA (so the discovery hash is known before init), a bootstrap token and a
 * certificate key generated once; before a late join the token and uploaded certificates are re-minted
 * on control plane 0, because kubeadm expires them (24 h and 2 h).
 */
import type { KubeadmNodeInput, Script } from '../scripts/types.js';
import { SECRET_ENV, SECRET_NAMES } from '../pki/names.js';
import { caCertHash } from '../pki/kubernetes.js';
import { kubeadmInstallScript, kubeadmVersionScript } from '../scripts/kubeadm-install.js';
import {
  kubeadmUpgradeNodeScript,
  kubeadmUpgradeStageScript,
  type KubeadmUpgradeInput,
} from '../scripts/kubeadm-upgrade.js';
import {
  KUBEADM_ADMIN_KUBECONFIG,
  KUBEADM_SA_FILES,
  kubeadmCniScript,
  kubeadmInitScript,
  kubeadmJoinControlPlaneScript,
  kubeadmJoinWorkerScript,
  kubeadmMintScript,
  kubeadmResetScript,
} from '../scripts/kubeadm.js';
import { ensureDistributionSecrets, TOKEN_SECRETS } from '../cluster-secrets.js';
import { commonUninstall, nodeInput } from './node-input.js';
import { CA_HASH_PLACEHOLDER, isPlaceholder } from './placeholders.js';
import { liveOf, type DistroController, type NodeScope, type SecretReader } from './types.js';

/** Re-mint when the last mint is older than this: uploaded certificates live 2 h. */
export const REMINT_AFTER_MS = 90 * 60_000;
const MINT_RESOURCE = 'kubeadm/bootstrap';

async function hash(secrets: SecretReader): Promise<string> {
  if (isPlaceholder(secrets)) return `sha256:${CA_HASH_PLACEHOLDER}`;
  const ca = await secrets.get(SECRET_NAMES.kubernetesCaCert);
  if (!ca) throw new Error('kubernetes CA has not been generated');
  return caCertHash(ca);
}

/** spec.kubeadm.packageRepository (a spec recorded before `kubeadm` existed has none). */
const mirrorOf = (n: Pick<NodeScope, 'topology'>) => {
  const repo = n.topology.spec.kubeadm?.packageRepository;
  return repo ? { packageRepository: repo } : {};
};

function upgradeInput(n: NodeScope): KubeadmUpgradeInput {
  const input = nodeInput(n);
  return {
    version: input.kubernetesVersion,
    ...(input.airgap ? { airgap: input.airgap } : {}),
    ...(input.kubelet?.allowCgroupV1 ? { allowCgroupV1: true } : {}),
    ...mirrorOf(n),
  };
}

/**
 * What `kubeadm init` on control plane 0 is given: the node's input, and the cluster's ServiceAccount
 * pair when the secret store holds it (a backup kept it; a cluster made from that backup starts with it).
 */
export async function kubeadmInitInput(n: NodeScope): Promise<KubeadmNodeInput> {
  const input = nodeInput(n);
  let kept = true;
  for (const name of Object.keys(KUBEADM_SA_FILES)) kept &&= await n.secrets.has(name);
  return kept ? { ...input, serviceAccountKeys: true } : input;
}

export function kubeadmController(): DistroController {
  // Joins run in parallel and each asks for a fresh mint: one at a time, so the first mints and the
  // others see its record (concurrent mint scripts on CP0 race on the same config file).
  let minting: Promise<void> = Promise.resolve();
  const install = (n: NodeScope) => {
    const input = nodeInput(n);
    return kubeadmInstallScript({
      kubernetesVersion: input.kubernetesVersion,
      ...(input.airgap ? { airgap: input.airgap } : {}),
      ...mirrorOf(n),
    });
  };
  return {
    name: 'kubeadm',
    kubeconfigPath: KUBEADM_ADMIN_KUBECONFIG,
    ensureSecrets: (secrets) => ensureDistributionSecrets(secrets, 'kubeadm'),
    async secretEnv(secrets) {
      const token = await secrets.get(TOKEN_SECRETS.kubeadmToken);
      const key = await secrets.get(TOKEN_SECRETS.kubeadmCertKey);
      if (!token || !key) throw new Error('kubeadm token has not been generated');
      return { [SECRET_ENV.kubeadmToken]: token.trim(), [SECRET_ENV.kubeadmCertificateKey]: key.trim() };
    },
    async initScripts(n) {
      const input = await kubeadmInitInput(n);
      return [
        install(n),
        kubeadmInitScript(input),
        kubeadmCniScript({ ...(input.airgap ? { airgap: input.airgap } : {}) }),
      ];
    },
    async joinControlPlaneScripts(n) {
      const input = { ...nodeInput(n), caCertHash: await hash(n.secrets) };
      return [install(n), kubeadmJoinControlPlaneScript(input)];
    },
    async joinWorkerScripts(n) {
      const input = { ...nodeInput(n), caCertHash: await hash(n.secrets) };
      return [install(n), kubeadmJoinWorkerScript(input)];
    },
    prepareJoin(n) {
      const live = liveOf(n);
      const ctx = live.ctx;
      const onControlPlane0 = (script: Script) => live.onControlPlane0(script);
      const mint = minting.then(async () => {
        const minted = ctx.cluster.state?.resources[MINT_RESOURCE]?.data?.mintedAt;
        if (typeof minted === 'string' && Date.now() - Date.parse(minted) < REMINT_AFTER_MS) return;
        await onControlPlane0(kubeadmMintScript(nodeInput({ ...n, machine: n.topology.controlPlanes[0]! })));
        await ctx.cluster.update((s) => {
          s.resources[MINT_RESOURCE] = {
            kind: 'kubeadm-bootstrap-token',
            id: 'bootstrap',
            createdAt: new Date().toISOString(),
            data: { mintedAt: new Date().toISOString() },
          };
        });
      });
      minting = mint.catch(() => undefined); // a failed mint fails its own join; the next one tries again
      return mint;
    },
    upgradeStageScripts: async (n) => [kubeadmUpgradeStageScript(upgradeInput(n))],
    upgradeScripts: async (n, first) => [kubeadmUpgradeNodeScript({ ...upgradeInput(n), first, node: n.machine.name })],
    versionScript: kubeadmVersionScript,
    kubectl: (args) => `kubectl --kubeconfig ${KUBEADM_ADMIN_KUBECONFIG} ${args}`,
    uninstallScript: (role) => commonUninstall(role) ?? kubeadmResetScript({ purgePackages: false }),
  };
}
