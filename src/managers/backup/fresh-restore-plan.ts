/**
 * Create's plan with a restore woven in (`create cluster --restore`): the external etcd members come
 * up (their certificates from the source's etcd CA, seeded before), then the restore procedure of
 * restore-plan.ts runs on them (snapshot onto every member, etcd stopped, `etcdutl snapshot restore`
 * with a new cluster token and a bumped revision, started, healthy; no API server exists yet, so none
 * is stopped), then the source cluster's Node objects are deleted from the restored store, and only
 * then does any control plane boot: onto the restored data, with the source's CAs and token (k3s
 * reads its bootstrap data, encrypted with that token, from the datastore).
 */
import { promises as fs } from 'node:fs';
import { forgetSourceNodesScript } from '../../distro/scripts/fresh-restore.js';
import type { Step } from '../../pipeline/types.js';
import type { BootstrapContext } from '../selfmanaged/context.js';
import { stepId } from '../selfmanaged/steps/ids.js';
import { backupRestoreSteps, onMachine, restoreDoneId, restoreFetchId, type RestoreInput } from './restore-plan.js';
import { forgetNodesId } from './fresh-restore-state.js';
import type { Staging } from './staging.js';

/**
 * The preflight's decrypted snapshot moved into the staged file restore-plan.ts's fetch step looks for
 * first, with its SHA-256 (so the fetch step does not download the bundle again).
 */
export async function stageSnapshot(
  staging: Staging,
  tag: string,
  snapshot: { path: string; sha256: string },
): Promise<void> {
  const file = `restore-${tag}.db`;
  const dest = await staging.path(file);
  await fs.rename(snapshot.path, dest).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EXDEV') throw e; // another filesystem than the temp directory's: copied, then removed
    await fs.copyFile(snapshot.path, `${dest}.tmp`);
    await fs.rename(`${dest}.tmp`, dest);
    await fs.rm(snapshot.path, { force: true });
  });
  await staging.write(`${file}.sha256`, snapshot.sha256);
}

export function freshRestoreSteps(create: Step<BootstrapContext>[], inp: RestoreInput): Step<BootstrapContext>[] {
  const t = inp.tag;
  const first = inp.etcd[0];
  if (!first) throw new Error('a restore onto a fresh cluster needs external etcd members');
  // Every restore step after the fetch waits for the new etcd cluster to be up and healthy.
  const restore = backupRestoreSteps(inp).map((s) =>
    s.id === restoreFetchId(t, inp.manifest.name) ? s : { ...s, needs: [...s.needs, stepId.etcdHealth] },
  );
  const forget = onMachine(
    first,
    `Forget the source cluster's nodes (${inp.manifest.cluster.name}) in the restored etcd`,
    [restoreDoneId(t)],
    async (ctx, m) => {
      const out = (await ctx.exec(m, [forgetSourceNodesScript(t)])).join('\n');
      const n = /^forgot-nodes (\d+)$/m.exec(out)?.[1];
      if (n !== undefined)
        ctx.log.info(`deleted ${n} Node objects of ${inp.manifest.cluster.name} from the restored etcd`);
    },
    forgetNodesId(t),
  );
  // No control plane boots before the data is restored: its first start reads the restored store.
  const gated = create.map((s) => (s.id.startsWith('controlplane/') ? { ...s, needs: [...s.needs, forget.id] } : s));
  return [...gated, ...restore, forget];
}
