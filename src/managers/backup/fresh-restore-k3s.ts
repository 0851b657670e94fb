/**
 * `create cluster --restore` from a backup of k3s's embedded etcd, k3s's "restoring a snapshot to new
 * nodes": the first server is installed with the source's token (seeded from the bundle before any
 * step runs) but not started → the snapshot onto it → `k3s server --cluster-reset
 * --cluster-reset-restore-path` (k3s restores the snapshot as a one-member etcd and decrypts the
 * bootstrap data in it, the source's CAs, with the token) → create's own first-server step starts it →
 * the source's Nodes and Leases are deleted through the API (k3s-fresh-restore.ts says why not in etcd)
 * → only then do the other servers and the agents join, as create joins them. Every step is an ensure
 * (markers on the machine), so a re-run after a crash converges with the same tag.
 */
import { nodeInput } from '../../distro/controllers/node-input.js';
import { k3sClusterResetScript, k3sRestoreCleanupScript } from '../../distro/scripts/k3s-backup.js';
import { k3sForgetSourceNodesScript } from '../../distro/scripts/k3s-fresh-restore.js';
import { k3sServerInstallScript } from '../../distro/scripts/k3s.js';
import type { Step } from '../../pipeline/types.js';
import type { Machine } from '../../state/types.js';
import type { BootstrapContext } from '../selfmanaged/context.js';
import { forgetNodesId } from './fresh-restore-state.js';
import {
  onMachine,
  restoreDoneId,
  restoreFetchStep,
  snapshotOnto,
  stagedRestore,
  type RestoreInput,
} from './restore-plan.js';

const isNodeStep = (id: string) => id.startsWith('controlplane/') || id.startsWith('worker/');

export function freshRestoreK3sSteps(create: Step<BootstrapContext>[], inp: RestoreInput): Step<BootstrapContext>[] {
  const t = inp.tag;
  const file = `restore-${t}.db`;
  const staged = stagedRestore(inp, file);
  // The first server is the control plane whose step waits for no other (create-plan: the init).
  const init = create.find((s) => s.id.startsWith('controlplane/') && !s.needs.some((n) => isNodeStep(n)));
  if (!init?.target) throw new Error('a k3s restore onto a fresh cluster needs a first server');
  const first = init.target;
  const kept = (ctx: BootstrapContext, m: Machine) => {
    const i = nodeInput(ctx.liveScope(m));
    return { name: i.node.name, providerId: i.providerId };
  };

  const fetch = restoreFetchStep(inp, staged);
  // Before its first start: a k3s that started would make a new cluster with new CAs and data.
  const install = onMachine(
    first,
    `Install k3s on ${first} with the source's token, not started`,
    init.needs,
    async (ctx, m) => void (await ctx.exec(m, [k3sServerInstallScript(nodeInput(ctx.liveScope(m)))])),
    `restore/${t}/install/${first}`,
  );
  const upload = onMachine(
    first,
    `Snapshot onto ${first}`,
    [fetch.id, install.id],
    (ctx, m) => snapshotOnto(ctx, m, staged, file),
    `restore/${t}/upload/${first}`,
  );
  const reset = onMachine(
    first,
    `k3s server --cluster-reset from the snapshot on ${first}`,
    [upload.id],
    async (ctx, m) => {
      await ctx.exec(m, [k3sClusterResetScript({ file, sha256: (await staged()).sha256, tag: t })]);
    },
    `restore/${t}/reset/${first}`,
  );
  const forget = onMachine(
    first,
    `Forget the source cluster's nodes (${inp.manifest.cluster.name}) through the restored API`,
    [init.id],
    async (ctx, m) => {
      const keep = [...ctx.machinesOf('controlplane'), ...ctx.machinesOf('worker')].map((x) => kept(ctx, x));
      const out = (await ctx.exec(m, [k3sForgetSourceNodesScript(t, kept(ctx, m), keep)])).join('\n');
      const n = /^forgot-nodes (\d+)$/m.exec(out)?.[1];
      if (n !== undefined) ctx.log.info(`deleted ${n} Node objects of ${inp.manifest.cluster.name} through the API`);
    },
    forgetNodesId(t),
  );
  const cleanup: Step<BootstrapContext> = {
    id: restoreDoneId(t),
    title: 'Remove the snapshot copy',
    needs: [forget.id],
    async run(ctx) {
      await ctx.exec(ctx.machine(first), [k3sRestoreCleanupScript(t, file)]);
      await inp.staging.remove(file);
    },
  };
  // The first server starts only on the restored data; every other node joins once the source's are gone.
  const gated = create.map((s) => {
    if (s.id === init.id) return { ...s, needs: [...s.needs, reset.id] };
    if (isNodeStep(s.id)) return { ...s, needs: [...s.needs, forget.id] };
    return s;
  });
  return [...gated, fetch, install, upload, reset, forget, cleanup];
}
