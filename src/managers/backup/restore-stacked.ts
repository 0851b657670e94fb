/**
 * `backup restore` of kubeadm's stacked etcd as a recorded plan (docs/backups.md): fetch + decrypt the
 * bundle → the snapshot onto every control plane → every API server stopped (its static pod manifest
 * parked, the process gone) → every etcd stopped likewise → `etcdutl snapshot restore` on each member
 * from the same file (its name and peer URL, the whole member list, a new cluster token, a bumped and
 * compacted revision) swapped into /var/lib/etcd → every etcd manifest back (the members need each
 * other for a quorum: all of them before any health wait) → all members healthy → the API servers back,
 * each /readyz → clean up. Steps are ensures with markers on the machines; a re-run after a crash (or
 * SIGKILL) resumes with the same tag and token.
 */
import { privateAddress } from '../../distro/controllers/types.js';
import { httpsUrl } from '../../distro/scripts/common.js';
import { API_PORT } from '../../distro/scripts/haproxy.js';
import { apiServerReadyScript } from '../../distro/scripts/etcd-backup.js';
import {
  stackedHealthScript,
  stackedRestoreCleanupScript,
  stackedRestoreMemberScript,
  staticPodScript,
} from '../../distro/scripts/kubeadm-etcd-backup.js';
import type { Step } from '../../pipeline/types.js';
import type { BootstrapContext } from '../selfmanaged/context.js';
import {
  onMachine,
  restoreDoneId,
  restoreFetchStep,
  restoreToken,
  snapshotOnto,
  stagedRestore,
  type RestoreInput,
} from './restore-plan.js';

export function stackedRestoreSteps(inp: RestoreInput): Step<BootstrapContext>[] {
  const t = inp.tag;
  const file = `restore-${t}.db`;
  const staged = stagedRestore(inp, file);
  const cps = inp.controlPlanes;
  if (cps.length === 0) throw new Error('a stacked etcd restore needs a control plane');
  // Each control plane's member: kubeadm names it after the node (= the machine) at its private address.
  const members = (ctx: BootstrapContext) => cps.map((n) => ({ name: n, address: privateAddress(ctx.machine(n)) }));
  const each = (
    what: string,
    title: (n: string) => string,
    needs: string[],
    run: (ctx: BootstrapContext, n: string) => Promise<void>,
  ) => cps.map((n) => onMachine(n, title(n), needs, (ctx) => run(ctx, n), `restore/${t}/${what}/${n}`));
  const ids = (steps: Step<BootstrapContext>[]) => steps.map((s) => s.id);

  const fetch = restoreFetchStep(inp, staged);
  const upload = each(
    'upload',
    (n) => `Snapshot onto ${n}`,
    [fetch.id],
    (ctx, n) => snapshotOnto(ctx, ctx.machine(n), staged, file),
  );
  const stopApi = each(
    'stop-api',
    (n) => `Stop the API server on ${n}`,
    ids(upload),
    async (ctx, n) => {
      await ctx.exec(ctx.machine(n), [staticPodScript('kube-apiserver', 'stop')]);
    },
  );
  const stopEtcd = each(
    'stop-etcd',
    (n) => `Stop etcd on ${n}`,
    ids(stopApi),
    async (ctx, n) => {
      await ctx.exec(ctx.machine(n), [staticPodScript('etcd', 'stop')]);
    },
  );
  const restore = each(
    'member',
    (n) => `etcdutl snapshot restore on ${n} (new cluster token, revision bumped)`,
    ids(stopEtcd),
    async (ctx, n) => {
      const script = stackedRestoreMemberScript({
        name: n,
        members: members(ctx),
        file,
        sha256: (await staged()).sha256,
        token: restoreToken(ctx.cluster.id.name, t),
        tag: t,
      });
      await ctx.exec(ctx.machine(n), [script]);
    },
  );
  const startEtcd = each(
    'start-etcd',
    (n) => `Start etcd on ${n}`,
    ids(restore),
    async (ctx, n) => {
      await ctx.exec(ctx.machine(n), [staticPodScript('etcd', 'start')]);
    },
  );
  const health: Step<BootstrapContext> = {
    id: `restore/${t}/etcd-health`,
    title: `etcd cluster healthy (${cps.length} members)`,
    needs: ids(startEtcd),
    async run(ctx) {
      await ctx.exec(ctx.machine(cps[0]!), [stackedHealthScript({ members: members(ctx) })]);
    },
  };
  const startApi = each(
    'start-api',
    (n) => `Start the API server on ${n}`,
    [health.id],
    async (ctx, n) => {
      const m = ctx.machine(n);
      // This node's own API server (admin.conf names the load balancer, which any other one may answer).
      const local = `--server ${httpsUrl(privateAddress(m), API_PORT)} get --raw=/readyz`;
      await ctx.exec(m, [staticPodScript('kube-apiserver', 'start'), apiServerReadyScript(ctx.distro.kubectl(local))]);
    },
  );
  const cleanup: Step<BootstrapContext> = {
    id: restoreDoneId(t),
    title: 'Remove the old etcd data directories and snapshot copies',
    needs: ids(startApi),
    async run(ctx) {
      for (const n of cps) await ctx.exec(ctx.machine(n), [stackedRestoreCleanupScript(t, file)]);
      await inp.staging.remove(file);
    },
  };
  return [fetch, ...upload, ...stopApi, ...stopEtcd, ...restore, ...startEtcd, health, ...startApi, cleanup];
}
