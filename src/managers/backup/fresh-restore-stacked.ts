/**
 * Create's plan with a restore woven in when the new cluster is kubeadm with STACKED etcd (no etcd
 * machines: each control plane runs a member). kubeadm's documented way, on control plane 0 only:
 *   fetch + decrypt → snapshot onto cp-0 → before `kubeadm init`: restored into /var/lib/etcd as a
 *   one-member cluster named and addressed as cp-0 (new token, bumped and compacted revision), the
 *   source's Node objects and Leases forgotten, its ServiceAccount key pair in /etc/kubernetes/pki
 *   (kubeadm-fresh-restore.ts) → `kubeadm init` with the non-empty-data-dir check ignored → the other
 *   control planes JOIN as new members (kubeadm adds them), as in any create → cleanup.
 * The Kubernetes CA and bootstrap token come from the bundle through the secret store (seeded by
 * fresh-restore.ts before the plan runs), so the bundle's CA signs the new cluster.
 * Resumable: the seed step leaves a marker on cp-0; the init step runs the same seed script first, which
 * is a no-op when the data is in place and restores again after an interrupted init (whose reset would
 * have emptied /var/lib/etcd).
 */
import { privateAddress } from '../../distro/controllers/types.js';
import type { NodeScope } from '../../distro/controllers/types.js';
import {
  RESTORED_ETCD_PREFLIGHT,
  stackedSeedCleanupScript,
  stackedSeedScript,
} from '../../distro/scripts/kubeadm-fresh-restore.js';
import { kubeadmInitScript } from '../../distro/scripts/kubeadm.js';
import { lbForwardingScript } from '../../distro/scripts/haproxy.js';
import { kubeadmInitInput } from '../../distro/controllers/kubeadm.js';
import type { Script } from '../../distro/scripts/types.js';
import type { Step } from '../../pipeline/types.js';
import type { BootstrapContext } from '../selfmanaged/context.js';
import { stepId } from '../selfmanaged/steps/ids.js';
import { nodeStep } from '../selfmanaged/steps/node.js';
import { forgetNodesId } from './fresh-restore-state.js';
import {
  onMachine,
  restoreDoneId,
  restoreFetchStep,
  restoreToken,
  snapshotOnto,
  stagedRestore,
  type RestoreInput,
} from './restore-plan.js';

/** What the init step of a restore runs: the controller's scripts, the seed before init, init told to keep the data. */
async function initWithRestore(
  n: NodeScope,
  scripts: Script[],
  seed: (n: NodeScope) => Promise<Script>,
): Promise<Script[]> {
  const i = scripts.findIndex((s) => s.name === 'kubeadm-init');
  if (i < 0) throw new Error('a kubeadm restore needs the kubeadm init script');
  const init = kubeadmInitScript({ ...(await kubeadmInitInput(n)), ignorePreflightErrors: [RESTORED_ETCD_PREFLIGHT] });
  return [...scripts.slice(0, i), await seed(n), init, ...scripts.slice(i + 1)];
}

export function freshRestoreStackedSteps(
  create: Step<BootstrapContext>[],
  inp: RestoreInput,
): Step<BootstrapContext>[] {
  const t = inp.tag;
  const cp0 = inp.controlPlanes[0];
  if (!cp0) throw new Error('a restore onto kubeadm with stacked etcd needs a control plane');
  const initId = stepId.node({ name: cp0, role: 'controlplane' });
  const init = create.find((s) => s.id === initId);
  if (!init) throw new Error(`create has no init step for ${cp0}`);
  const file = `restore-${t}.db`;
  const staged = stagedRestore(inp, file);
  // Only while running: a dry run describes the script without fetching the bundle.
  const seed = async (n: NodeScope) =>
    stackedSeedScript({
      name: n.machine.name,
      address: privateAddress(n.machine),
      file,
      sha256: n.live ? (await staged()).sha256 : '<sha256 of the snapshot>',
      token: restoreToken(n.topology.spec.name, t),
      tag: t,
    });

  const fetch = restoreFetchStep(inp, staged);
  // Before init: the install (containerd, kubeadm, the etcd image), the snapshot, then the seed.
  const prepared = onMachine(
    cp0,
    `Restore etcd onto ${cp0} before kubeadm init (one member, new token); forget the source's nodes (${inp.manifest.cluster.name})`,
    [fetch.id, stepId.machine(cp0), stepId.hostPreflight, stepId.secrets],
    async (ctx, m) => {
      const scope = ctx.liveScope(m);
      const scripts = await ctx.distro.initScripts(scope);
      await ctx.exec(
        m,
        scripts.slice(
          0,
          Math.max(
            0,
            scripts.findIndex((s) => s.name === 'kubeadm-init'),
          ),
        ),
      );
      await snapshotOnto(ctx, m, staged, file);
      const out = (await ctx.exec(m, [await seed(scope)])).join('\n');
      const forgot = /^forgot-nodes (\d+)$/m.exec(out)?.[1];
      if (forgot !== undefined)
        ctx.log.info(`deleted ${forgot} Node objects of ${inp.manifest.cluster.name} from the restored etcd`);
    },
    forgetNodesId(t),
  );
  const initStep = nodeStep(
    { name: cp0, role: 'controlplane', size: '', spot: false, index: 0 },
    [...init.needs, prepared.id],
    'kubeadm',
    {
      title: (name) => `Control plane ${name} (init onto the restored etcd)`,
      scripts: async (d, n) => initWithRestore(n, await d.initScripts(n), seed),
      join: false,
      after: (v) => [{ machine: v.topology().loadBalancer.name, scripts: [lbForwardingScript()] }],
    },
  );
  const cleanup = onMachine(
    cp0,
    'Remove the snapshot copy and the restore marker',
    [initStep.id],
    async (ctx, m) => {
      await ctx.exec(m, [stackedSeedCleanupScript(t, file)]);
      await inp.staging.remove(file);
    },
    restoreDoneId(t),
  );
  const woven = create.map((s) => (s.id === initId ? initStep : s));
  return [...woven, fetch, prepared, cleanup];
}
