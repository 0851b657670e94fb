/**
 * BackupManager: `backup create|list|delete|restore` for self-managed clusters with external etcd,
 * k3s's embedded etcd or kubeadm's stacked etcd.
 * create and restore follow the operation outline every cluster operation uses (lock → load →
 * preflight → plan → recorded run → release); list and delete only read the cluster's state and work
 * on the target. Every refusal (unknown cluster, another cluster's bundle, another shape, no key, a bad
 * target) happens in the preflight: exit 2, nothing recorded.
 */
import path from 'node:path';
import { formatBackupTarget, type BackupTarget } from '../../api/backup.js';
import { formatClusterId, type ClusterId } from '../../api/types.js';
import { keyFingerprint } from '../../backup/crypto.js';
import { ensureBackupKey, readBackupKey } from '../../backup/key.js';
import type { BackupManifest } from '../../backup/manifest.js';
import { deleteBackup, listBackups, readManifest } from '../../backup/repository.js';
import { checkStorage, openStorage } from '../../backup/targets/index.js';
import type { BackupStorage } from '../../backup/targets/types.js';
import { InputError, NotFoundError } from '../../errors.js';
import type { Step } from '../../pipeline/types.js';
import type { ClusterHandle, ClusterState } from '../../state/types.js';
import { runOperation } from '../operation.js';
import type { SelfManagedManager } from '../selfmanaged/manager.js';
import type { BootstrapContext } from '../selfmanaged/context.js';
import type { ManagerDeps } from '../types.js';
import type { CreateInput } from './create-plan.js';
import { assertRestoreFinished } from './fresh-restore-state.js';
import { backupRunName, pendingBackup, pendingRestore, newRestoreTag } from './pending.js';
import { assertRestorable } from './shape.js';
import { Staging } from './staging.js';

/** Where bundles go without --target: beside the state, `$KSCTL_HOME/backups/<provider>/<region>/<name>`. */
export function defaultTarget(root: string, id: ClusterId): BackupTarget {
  return { kind: 'file', dir: path.join(root, 'backups', id.provider, id.region, id.name) };
}

export class BackupManager {
  constructor(
    private readonly deps: ManagerDeps,
    /** Loaded only by create and restore: list and delete need no SSH, PKI or distribution code (≈0.1 s CPU of imports). */
    private readonly selfManaged: () => Promise<SelfManagedManager>,
  ) {}

  target(id: ClusterId, t: BackupTarget | undefined): BackupTarget {
    return t ?? defaultTarget(this.deps.store.root, id);
  }

  async create(id: ClusterId, opts: { target?: BackupTarget; keep?: number }): Promise<BackupManifest> {
    const target = this.target(id, opts.target);
    return this.operate(
      id,
      async (h) => {
        checkStorage(target, this.deps.env);
        // Opened on first use: the snapshot step starts it once the member is taking the snapshot, so
        // the SDK (≈0.1 s of CPU for S3, on this one thread) loads while the member works rather than
        // before the SSH connection; failures surface when the snapshot streams into it.
        let opened: Promise<BackupStorage> | undefined;
        const open = () => {
          if (!opened) {
            opened = openStorage(target, this.deps.env);
            opened.catch(() => undefined); // awaited by the backup steps; not an unhandled rejection meanwhile
          }
          return opened;
        };
        const storage: PromiseLike<BackupStorage> = { then: (ok, fail) => open().then(ok, fail) };
        const name = backupRunName(h.state!, id.name, new Date());
        const url = formatBackupTarget(target);
        const input: CreateInput = {
          name,
          storage,
          url,
          staging: new Staging(h.dir),
          key: () => ensureBackupKey(h.secrets),
          ...(opts.keep ? { keep: opts.keep } : {}),
        };
        return {
          steps: async () => (await import('./create-plan.js')).backupCreateSteps(input),
          result: async () => {
            const m = input.made ?? (await readManifest(await storage, name)); // uploaded by an earlier, interrupted run
            if (!m) throw new NotFoundError(`backup ${name} is not at ${url} after its upload`);
            return m;
          },
        };
      },
      true,
    );
  }

  async list(
    id: ClusterId,
    t?: BackupTarget,
  ): Promise<{ target: string; backups: BackupManifest[]; problems: string[] }> {
    await this.loaded(id);
    const target = this.target(id, t);
    const r = await listBackups(await openStorage(target, this.deps.env), id);
    return { target: formatBackupTarget(target), ...r };
  }

  async delete(id: ClusterId, name: string, t?: BackupTarget): Promise<void> {
    await this.loaded(id);
    const storage = await openStorage(this.target(id, t), this.deps.env);
    const m = await readManifest(storage, name);
    if (!m) throw new NotFoundError(`no backup ${name} at ${storage.url} (see \`ksctl backup list ${id.name}\`)`);
    if (m.cluster.name !== id.name || m.cluster.provider !== id.provider || m.cluster.region !== id.region) {
      throw new InputError(
        `backup ${name} belongs to cluster ${formatClusterId(m.cluster)}, not ${formatClusterId(id)}`,
        ['<bundle>'],
      );
    }
    await deleteBackup(storage, name);
  }

  async restore(id: ClusterId, name: string, t?: BackupTarget): Promise<BackupManifest> {
    const target = this.target(id, t);
    return this.operate(
      id,
      async (h) => {
        const st = h.state!;
        const pending = pendingRestore(st);
        if (pending && pending.bundle !== name) {
          throw new InputError(
            `a restore of ${pending.bundle} is unfinished: run \`ksctl backup restore ${id.name} ${pending.bundle}\` to finish it first`,
            ['<bundle>'],
          );
        }
        const storage = await openStorage(target, this.deps.env);
        const manifest = await readManifest(storage, name);
        if (!manifest)
          throw new NotFoundError(`no backup ${name} at ${storage.url} (see \`ksctl backup list ${id.name}\`)`);
        const key = await readBackupKey(h.secrets);
        assertRestorable(manifest, st, key ? keyFingerprint(key) : undefined);
        const tag = pending?.tag ?? newRestoreTag(new Date());
        const byRole = (r: string) =>
          Object.values(st.machines)
            .filter((m) => m.role === r && m.status !== 'removing')
            .map((m) => m.name)
            .sort();
        return {
          steps: async () => {
            const input = {
              tag,
              manifest,
              storage,
              staging: new Staging(h.dir),
              key: key!,
              etcd: byRole('etcd'),
              controlPlanes: byRole('controlplane'),
            };
            if (manifest.shape.etcd === 'stacked')
              return (await import('./restore-stacked.js')).stackedRestoreSteps(input);
            return manifest.shape.etcd === 'embedded'
              ? (await import('./restore-k3s.js')).k3sRestoreSteps(input)
              : (await import('./restore-plan.js')).backupRestoreSteps(input);
          },
          result: async () => manifest,
        };
      },
      false,
    );
  }

  private async loaded(id: ClusterId): Promise<ClusterState> {
    const s = await this.deps.store.read(id);
    if (!s) throw new NotFoundError(`cluster ${formatClusterId(id)} has no state`);
    supported(s);
    return s;
  }

  /**
   * The operation outline (runOperation: lock → load → preflight → plan → recorded run → release) with
   * `prepare` as its preflight and plan (it may refuse). A backup (`keepsPhase`) keeps the cluster's
   * phase (a failed backup is no failed cluster; only an interrupted backup's "interrupted" is its own,
   * cleared by finishing it); a restore runs as any update (updating, then ready or failed).
   */
  private async operate<T>(
    id: ClusterId,
    prepare: (
      h: ClusterHandle,
    ) => Promise<{ steps: () => Promise<Step<BootstrapContext>[]>; result: () => Promise<T> }>,
    keepsPhase: boolean,
  ): Promise<T> {
    // The self-managed code (SSH, distributions) loads while the lock is taken and the preflight reads the target.
    const smLoading = this.selfManaged();
    smLoading.catch(() => undefined); // awaited in the plan; a refusal before then must not leave it unhandled
    let close: (() => void) | undefined;
    let result: (() => Promise<T>) | undefined;
    const out: { value?: T } = {};
    await runOperation<BootstrapContext, undefined>(this.deps, {
      kind: 'update',
      id,
      ...(keepsPhase
        ? {
            keepPhase: (s: ClusterState) => (s.phase === 'interrupted' && pendingBackup(s) ? 'ready' : s.phase),
          }
        : {}),
      preflight: async (h) => {
        supported(h.state!);
        assertRestoreFinished(h.state); // a cluster still being made from a backup: finish that first
      },
      plan: async (h) => {
        const plan = await prepare(h);
        result = plan.result;
        const sm = await smLoading;
        const machinery = await sm.machinery(h.state!.spec);
        close = () => machinery.ssh.close();
        return {
          steps: await plan.steps(),
          ctx: sm.context(h, h.state!.spec, machinery),
          concurrency: 16,
          result: undefined,
        };
      },
      afterRun: async () => {
        out.value = await result!();
      },
      close: () => close?.(),
    });
    return out.value as T;
  }
}

/** Self-managed clusters: external etcd, k3s's embedded etcd and kubeadm's stacked etcd. */
function supported(s: ClusterState): void {
  if (s.type !== 'selfmanaged')
    throw new InputError(
      `${s.id.name} is a managed cluster: its etcd belongs to the cloud (use the cloud's own backup)`,
      ['cluster'],
    );
}
