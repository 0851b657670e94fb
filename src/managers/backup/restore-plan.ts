/**
 * `backup restore` (external etcd) as a recorded plan, the procedure of docs/backups.md:
 *   fetch + decrypt the bundle → the snapshot onto every member → stop every API server → stop etcd on
 *   every member → `etcdutl snapshot restore` on each member from the same file with a new cluster token
 *   and a bumped, compacted revision → start etcd → cluster healthy → start the API servers → clean up.
 * Steps are ensures; a re-run after a crash (or SIGKILL) resumes with the same tag and token.
 */
import { createHash } from 'node:crypto';
import type { BackupManifest } from '../../backup/manifest.js';
import { openStoredBundle } from '../../backup/repository.js';
import type { BackupStorage } from '../../backup/targets/types.js';
import { privateAddress } from '../../distro/controllers/types.js';
import {
  SNAPSHOT_DIR,
  apiServerReadyScript,
  apiServerScript,
  etcdRestoreCleanupScript,
  etcdRestoreMemberScript,
  etcdServiceScript,
} from '../../distro/scripts/etcd-backup.js';
import { etcdHealthScript } from '../../distro/scripts/etcd.js';
import { ProviderError } from '../../errors.js';
import type { Step } from '../../pipeline/types.js';
import type { Machine } from '../../state/types.js';
import type { BootstrapContext } from '../selfmanaged/context.js';
import type { Staging } from './staging.js';

export interface RestoreInput {
  tag: string;
  manifest: BackupManifest;
  storage: BackupStorage;
  staging: Staging;
  key: Buffer;
  etcd: string[];
  controlPlanes: string[];
}

/** The id of a restore's first step: it names the bundle, so a re-run knows which restore to finish. */
export const restoreFetchId = (tag: string, bundle: string) => `restore/${tag}/fetch/${bundle}`;
export const restoreDoneId = (tag: string) => `restore/${tag}/cleanup`;
export const restoreToken = (cluster: string, tag: string) => `ksctl-${cluster}-${tag}`;

export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The decrypted snapshot staged on this machine: its path and SHA-256. */
export interface StagedSnapshot {
  path: string;
  sha256: string;
}

/**
 * The decrypted snapshot, staged here as `file`: streamed down, checked against the manifest (size,
 * SHA-256, GCM tag, the snapshot's own SHA-256 in a v2 manifest) and decrypted into a temp file that
 * becomes `file` only when every check passed. Fetched again when missing or torn; checked once per run.
 */
export function stagedRestore(inp: RestoreInput, file: string): () => Promise<StagedSnapshot> {
  let done: Promise<StagedSnapshot> | undefined;
  const load = async (): Promise<StagedSnapshot> => {
    const path = await inp.staging.path(file);
    const sum = (await inp.staging.read(`${file}.sha256`))?.toString('utf8').trim();
    if (sum && (await inp.staging.sha256(file)) === sum) return { path, sha256: sum };
    const opened = await openStoredBundle(inp.storage, inp.manifest, inp.key, { 'snapshot.db': path });
    const snap = opened.files['snapshot.db'];
    if (!snap) throw new ProviderError(`${inp.manifest.name} holds no snapshot.db`);
    const want = inp.manifest.snapshot.sha256;
    if (want && snap.sha256 !== want) {
      await inp.staging.remove(file);
      throw new ProviderError(`${inp.manifest.name}: the snapshot inside does not match the manifest's SHA-256`);
    }
    await inp.staging.write(`${file}.sha256`, snap.sha256);
    return { path, sha256: snap.sha256 };
  };
  return () => (done ??= load().catch((e: unknown) => ((done = undefined), Promise.reject(e))));
}

/** A restore's first step: the bundle fetched, checked and decrypted into the staging file (its id names the bundle). */
export function restoreFetchStep(inp: RestoreInput, staged: () => Promise<StagedSnapshot>): Step<BootstrapContext> {
  return {
    id: restoreFetchId(inp.tag, inp.manifest.name),
    title: `Fetch, check and decrypt ${inp.manifest.name} from ${inp.storage.url} (streamed to a staged file)`,
    needs: [],
    run: async () => void (await staged()),
  };
}

/** Copies the staged snapshot to a member (chunked SFTP from the file, 0600 root) as `file` in SNAPSHOT_DIR. */
export async function snapshotOnto(
  ctx: BootstrapContext,
  m: Machine,
  staged: () => Promise<StagedSnapshot>,
  file: string,
): Promise<void> {
  const s = await ctx.session(m);
  await s.exec(`mkdir -p ${SNAPSHOT_DIR} && chmod 0700 ${SNAPSHOT_DIR}`, { signal: ctx.signal });
  await s.upload(`${SNAPSHOT_DIR}/${file}`, { file: (await staged()).path }, { mode: 0o600, owner: 'root:root' });
}

/** A step that runs on one machine. */
export function onMachine(
  name: string,
  title: string,
  needs: string[],
  run: (ctx: BootstrapContext, m: Machine) => Promise<void>,
  id: string,
): Step<BootstrapContext> {
  return { id, title, needs, target: name, run: (ctx) => run(ctx, ctx.machine(name)) };
}

export function backupRestoreSteps(inp: RestoreInput): Step<BootstrapContext>[] {
  const t = inp.tag;
  const file = `restore-${t}.db`;
  const staged = stagedRestore(inp, file);
  const on = onMachine;
  const members = (ctx: BootstrapContext) =>
    ctx.machinesOf('etcd').map((e) => ({ name: e.name, address: privateAddress(e) }));

  const fetch = restoreFetchStep(inp, staged);
  const upload = inp.etcd.map((n) =>
    on(n, `Snapshot onto ${n}`, [fetch.id], (ctx, m) => snapshotOnto(ctx, m, staged, file), `restore/${t}/upload/${n}`),
  );
  const stopApi = inp.controlPlanes.map((n) =>
    on(
      n,
      `Stop the API server on ${n}`,
      upload.map((s) => s.id),
      (ctx, m) => ctx.exec(m, [apiServerScript(ctx.distro.name, 'stop')]).then(() => undefined),
      `restore/${t}/stop-api/${n}`,
    ),
  );
  const stopEtcd = inp.etcd.map((n) =>
    on(
      n,
      `Stop etcd on ${n}`,
      // No API server yet (a fresh cluster restored before its control planes boot): after the copies.
      (stopApi.length > 0 ? stopApi : upload).map((s) => s.id),
      (ctx, m) => ctx.exec(m, [etcdServiceScript('stop')]).then(() => undefined),
      `restore/${t}/stop-etcd/${n}`,
    ),
  );
  const restore = inp.etcd.map((n) =>
    on(
      n,
      `etcdutl snapshot restore on ${n} (new cluster token, revision bumped)`,
      stopEtcd.map((s) => s.id),
      async (ctx, m) => {
        const script = etcdRestoreMemberScript({
          name: n,
          members: members(ctx),
          file,
          sha256: (await staged()).sha256,
          token: restoreToken(ctx.cluster.id.name, t),
          tag: t,
        });
        await ctx.exec(m, [script]);
      },
      `restore/${t}/member/${n}`,
    ),
  );
  const startEtcd = inp.etcd.map((n) =>
    on(
      n,
      `Start etcd on ${n}`,
      restore.map((s) => s.id),
      (ctx, m) => ctx.exec(m, [etcdServiceScript('start')]).then(() => undefined),
      `restore/${t}/start-etcd/${n}`,
    ),
  );
  const health: Step<BootstrapContext> = {
    id: `restore/${t}/etcd-health`,
    title: `etcd cluster healthy (${inp.etcd.length} members)`,
    needs: startEtcd.map((s) => s.id),
    async run(ctx) {
      await ctx.exec(ctx.machine(inp.etcd[0]!), [etcdHealthScript({ members: members(ctx) })]);
    },
  };
  const startApi = inp.controlPlanes.map((n) =>
    on(
      n,
      `Start the API server on ${n}`,
      [health.id],
      (ctx, m) =>
        ctx
          .exec(m, [
            apiServerScript(ctx.distro.name, 'start'),
            apiServerReadyScript(ctx.distro.kubectl('get --raw=/readyz')),
          ])
          .then(() => undefined),
      `restore/${t}/start-api/${n}`,
    ),
  );
  const cleanup: Step<BootstrapContext> = {
    id: restoreDoneId(t),
    title: 'Remove the old data directories and snapshot copies',
    needs: (startApi.length > 0 ? startApi : [health]).map((s) => s.id),
    async run(ctx) {
      for (const n of inp.etcd) await ctx.exec(ctx.machine(n), [etcdRestoreCleanupScript(t, file)]);
      await inp.staging.remove(file);
    },
  };
  return [fetch, ...upload, ...stopApi, ...stopEtcd, ...restore, ...startEtcd, health, ...startApi, cleanup];
}
