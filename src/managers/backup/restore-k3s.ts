/**
 * `backup restore` of k3s's embedded etcd as a recorded plan, k3s's documented procedure
 * (docs/backups.md): fetch + decrypt the bundle → the snapshot onto the first server → stop k3s on
 * every server → `k3s server --cluster-reset --cluster-reset-restore-path` there (a one-member cluster
 * from the snapshot) → start it, API ready → each other server, one at a time: its db moved aside,
 * started, rejoined as a new member, API ready → clean up. Agents reconnect through the load balancer.
 * Steps are ensures (markers on the machines); a re-run after a crash resumes with the same tag.
 */
import { apiServerReadyScript, apiServerScript } from '../../distro/scripts/etcd-backup.js';
import {
  k3sClusterResetScript,
  k3sRejoinPrepareScript,
  k3sRestoreCleanupScript,
} from '../../distro/scripts/k3s-backup.js';
import type { Step } from '../../pipeline/types.js';
import type { BootstrapContext } from '../selfmanaged/context.js';
import {
  onMachine,
  restoreDoneId,
  restoreFetchStep,
  snapshotOnto,
  stagedRestore,
  type RestoreInput,
} from './restore-plan.js';

export function k3sRestoreSteps(inp: RestoreInput): Step<BootstrapContext>[] {
  const t = inp.tag;
  const file = `restore-${t}.db`;
  const staged = stagedRestore(inp, file);
  const [first, ...others] = inp.controlPlanes;
  if (!first) throw new Error('a k3s restore needs a server');
  const start = (ctx: BootstrapContext) => [
    apiServerScript('k3s', 'start'),
    apiServerReadyScript(ctx.distro.kubectl('get --raw=/readyz')),
  ];

  const fetch = restoreFetchStep(inp, staged);
  const upload = onMachine(
    first,
    `Snapshot onto ${first}`,
    [fetch.id],
    (ctx, m) => snapshotOnto(ctx, m, staged, file),
    `restore/${t}/upload/${first}`,
  );
  const stop = inp.controlPlanes.map((n) =>
    onMachine(
      n,
      `Stop k3s on ${n}`,
      [upload.id],
      (ctx, m) => ctx.exec(m, [apiServerScript('k3s', 'stop')]).then(() => undefined),
      `restore/${t}/stop-api/${n}`,
    ),
  );
  const reset = onMachine(
    first,
    `k3s server --cluster-reset from the snapshot on ${first}`,
    stop.map((s) => s.id),
    async (ctx, m) => {
      await ctx.exec(m, [k3sClusterResetScript({ file, sha256: (await staged()).sha256, tag: t })]);
    },
    `restore/${t}/reset/${first}`,
  );
  const startFirst = onMachine(
    first,
    `Start k3s on ${first}`,
    [reset.id],
    (ctx, m) => ctx.exec(m, start(ctx)).then(() => undefined),
    `restore/${t}/start-api/${first}`,
  );
  // One at a time: etcd adds one new member at a time (a second waits until the first has started).
  const rejoin: Step<BootstrapContext>[] = [];
  for (const n of others) {
    rejoin.push(
      onMachine(
        n,
        `Rejoin ${n}: its etcd data moved aside, k3s started`,
        [rejoin.at(-1)?.id ?? startFirst.id],
        (ctx, m) => ctx.exec(m, [k3sRejoinPrepareScript(t), ...start(ctx)]).then(() => undefined),
        `restore/${t}/rejoin/${n}`,
      ),
    );
  }
  const cleanup: Step<BootstrapContext> = {
    id: restoreDoneId(t),
    title: 'Remove the old etcd data and the snapshot copy',
    needs: [rejoin.at(-1)?.id ?? startFirst.id],
    async run(ctx) {
      for (const n of inp.controlPlanes) await ctx.exec(ctx.machine(n), [k3sRestoreCleanupScript(t, file)]);
      await inp.staging.remove(file);
    },
  };
  return [fetch, upload, ...stop, reset, startFirst, ...rejoin, cleanup];
}
