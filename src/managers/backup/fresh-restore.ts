/**
 * `create cluster --restore`: a new cluster of the same shape made from another cluster's backup
 * (docs/backups.md, "Restore onto a fresh cluster").
 *
 * prepare (before any cloud call or state write; every refusal is exit 2): the manifest is read from
 * the target, its shape must be the new spec's, the key (--backup-key-file, or the source cluster's
 * when its state is on this machine) must be the one that sealed it, and the bundle is fetched,
 * checked against the manifest's size and SHA-256 and decrypted.
 * Then, inside create's recorded run (fresh-restore-plan.ts): the bundle's CAs and tokens are seeded
 * into the new cluster's secret store before any step makes them (those steps keep what exists), the
 * etcd members come up with certificates of the source's etcd CA, the restore runs on them
 * (restore-plan.ts, with no API server to stop), the source's Node objects are forgotten, and only then
 * do the control planes boot, onto the restored data, with the source's CAs and token.
 */
import { formatBackupTarget } from '../../api/backup.js';
import { assertRestorableSpec, type RestoreRequest } from '../../api/restore-flags.js';
import { formatClusterId, type ClusterSpec } from '../../api/types.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BundleDecryptError, NO_DECRYPT, keyFingerprint } from '../../backup/crypto.js';
import { BACKUP_KEY_SECRET, readBackupKey } from '../../backup/key.js';
import type { BackupManifest } from '../../backup/manifest.js';
import { openStoredBundle, readManifest } from '../../backup/repository.js';
import { openStorage } from '../../backup/targets/index.js';
import type { BackupStorage } from '../../backup/targets/types.js';
import { InputError } from '../../errors.js';
import { isStepDone } from '../../pipeline/executor.js';
import type { Step } from '../../pipeline/types.js';
import type { ClusterHandle, ClusterState, RestoredFrom } from '../../state/types.js';
import type { BootstrapContext } from '../selfmanaged/context.js';
import type { ManagerDeps } from '../types.js';
import { newRestoreTag } from './pending.js';
import { freshRestoreK3sSteps } from './fresh-restore-k3s.js';
import { freshRestoreSteps, stageSnapshot } from './fresh-restore-plan.js';
import { hasKubeadmKeys } from './kubeadm-keys.js';
import { freshRestoreStackedSteps } from './fresh-restore-stacked.js';
import { restoreDoneId } from './restore-plan.js';
import { describeShape, specShape } from './shape.js';
import { Staging } from './staging.js';

/** What the bundle holds once opened: the snapshot (a private file) and the secrets a restore needs besides it. */
export interface OpenedBundle {
  snapshot: { path: string; sha256: string };
  secrets: Record<string, string>;
}

/** The private directories openBundle made: removed when the process exits (one listener for all). */
const tempDirs = new Set<string>();

/**
 * Streams the bundle down, checks it (size, SHA-256, GCM tag, the snapshot's own SHA-256) and decrypts
 * the snapshot into a private directory (0700, removed when the process exits): no state or cluster
 * directory exists yet, and the snapshot is never held whole in memory.
 */
export async function openBundle(storage: BackupStorage, m: BackupManifest, key: Buffer): Promise<OpenedBundle> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ksctl-restore-'));
  if (tempDirs.size === 0)
    process.once('exit', () => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  tempDirs.add(dir);
  try {
    const file = path.join(dir, 'snapshot.db');
    const opened = await openStoredBundle(storage, m, key, { 'snapshot.db': file });
    const snap = opened.files['snapshot.db'];
    if (!snap) throw new Error(`${m.name} holds no snapshot.db`);
    if (m.snapshot.sha256 && snap.sha256 !== m.snapshot.sha256)
      throw new Error(`${m.name}: the snapshot inside does not match the manifest's SHA-256`);
    return { snapshot: { path: file, sha256: snap.sha256 }, secrets: opened.secrets };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

export class FreshRestore {
  private constructor(
    readonly manifest: BackupManifest,
    readonly storage: BackupStorage,
    readonly key: Buffer,
    readonly bundle: OpenedBundle,
  ) {}

  /** The preflight of a create from a backup: nothing is recorded or touched when it refuses. */
  static async prepare(deps: ManagerDeps, spec: ClusterSpec, req: RestoreRequest): Promise<FreshRestore> {
    assertRestorableSpec(spec);
    const storage = await openStorage(req.target, deps.env);
    const url = formatBackupTarget(req.target);
    const manifest = await readManifest(storage, req.bundle).catch((e: Error) => {
      // A file there that is no ksctl manifest is bad input; the storage failing is not.
      if (/manifest/.test(e.message)) throw new InputError(`--restore: ${e.message}`, ['--restore']);
      throw e;
    });
    if (!manifest)
      throw new InputError(
        `--restore: no backup ${req.bundle} at ${url} (see \`ksctl backup list <cluster> --target ${url}\`)`,
        ['--restore', '--backup-target'],
      );
    const want = specShape(spec);
    const diff = (Object.keys(want) as (keyof typeof want)[]).filter(
      (k) => String(want[k]) !== String(manifest.shape[k]),
    );
    if (diff.length > 0)
      throw new InputError(
        `--restore: backup ${manifest.name} is of another shape (${describeShape(manifest.shape)}) than ${spec.name} asks for (${describeShape(want)}): ${diff.join(', ')} differ; give the new cluster the shape of the old one`,
        ['--restore', ...diff.map((k) => SHAPE_FIELD[k])],
      );
    const key = req.key ?? (await sourceKey(deps, manifest));
    if (!key)
      throw new InputError(
        `--backup-key-file is required: the state of ${formatClusterId(manifest.cluster)}, which made ${manifest.name}, is not on this machine; give the copy of its secrets/backup-key`,
        ['--backup-key-file'],
      );
    const from = req.key ? '--backup-key-file' : `the key of ${manifest.cluster.name} in this machine's state`;
    if (keyFingerprint(key) !== manifest.keyFingerprint)
      throw new InputError(
        `--backup-key-file: ${manifest.name} was encrypted with another key (fingerprint ${manifest.keyFingerprint}) than ${from} (${keyFingerprint(key)}): give the backup-key of ${manifest.cluster.name}`,
        ['--backup-key-file'],
      );
    let bundle: OpenedBundle;
    try {
      bundle = await openBundle(storage, manifest, key);
    } catch (e) {
      // The key matches the manifest's fingerprint: what fails now is the bundle (damaged, or moved).
      const why =
        e instanceof BundleDecryptError && e.message === NO_DECRYPT
          ? 'does not decrypt (the bundle or its manifest was changed)'
          : (e as Error).message;
      throw new InputError(`--restore: ${manifest.name}: ${why}`, ['--restore']);
    }
    if (manifest.shape.distribution === 'kubeadm' && !hasKubeadmKeys(bundle.secrets))
      deps.log.warn(
        `${manifest.name} holds no kubeadm ServiceAccount key pair (an earlier ksctl kept it only for stacked etcd): ` +
          `${spec.name} makes its own, so service account token Secrets of ${manifest.cluster.name} will not verify there (pods get new tokens)`,
      );
    return new FreshRestore(manifest, storage, key, bundle);
  }

  /**
   * Under the cluster's lock, before anything is written: a cluster of this name that exists must be
   * this same restore resumed (never another cluster, never another backup).
   */
  async check(h: ClusterHandle): Promise<void> {
    const st = h.state;
    if (!st) return;
    if (!st.restoredFrom)
      throw new InputError(
        `--restore: cluster ${formatClusterId(st.id)} exists and was not made from a backup: restore onto it with \`ksctl backup restore ${st.id.name} <backup>\`, or give the new cluster another name`,
        ['--restore', 'name'],
      );
    if (st.restoredFrom.bundle !== this.manifest.name)
      throw new InputError(
        `--restore: cluster ${st.id.name} is being made from ${st.restoredFrom.bundle}; run the same command with --restore ${st.restoredFrom.bundle} to finish it`,
        ['--restore'],
      );
    for (const [name, value] of Object.entries(this.bundle.secrets)) {
      const have = await h.secrets.get(name);
      if (have !== undefined && have.trim() !== value.trim())
        throw new InputError(`--restore: cluster ${st.id.name} already has another secret "${name}" than the backup`, [
          '--restore',
        ]);
    }
  }

  /** The first state of the new cluster, with where it comes from (the tag its restore steps carry). */
  record(state: ClusterState, now = new Date()): ClusterState {
    const m = this.manifest;
    const from: RestoredFrom = {
      bundle: m.name,
      target: this.storage.url,
      cluster: m.cluster,
      ...(m.clusterUid ? { clusterUid: m.clusterUid } : {}),
      backupCreatedAt: m.createdAt,
      tag: newRestoreTag(now),
    };
    return { ...state, restoredFrom: from };
  }

  /**
   * Seeds the bundle's secrets (and adopts the source's backup key) into the new cluster's store, stages
   * the snapshot, and returns create's steps with the restore woven in (fresh-restore-plan.ts).
   */
  async steps(h: ClusterHandle, create: Step<BootstrapContext>[], etcd: string[]): Promise<Step<BootstrapContext>[]> {
    const tag = h.state?.restoredFrom?.tag;
    if (!tag) throw new Error('a create from a backup has no restore tag in its state');
    for (const [name, value] of Object.entries(this.bundle.secrets))
      if ((await h.secrets.get(name)) === undefined) await h.secrets.put(name, value);
    // The source's key: its bundles and this cluster's stay readable with the one copy the user keeps.
    if ((await readBackupKey(h.secrets)) === undefined)
      await h.secrets.put(BACKUP_KEY_SECRET, this.key.toString('hex'));
    const staging = new Staging(h.dir);
    // Staged for the fetch step unless the restore is over (its cleanup removed the staged copy).
    if (!isStepDone(h.state.steps, restoreDoneId(tag))) await stageSnapshot(staging, tag, this.bundle.snapshot);
    return this.woven(create, etcd, tag, staging);
  }

  /** Create's steps with the restore in them, for `--dry-run` (no tag exists yet: `<tag>` stands in). */
  planned(create: Step<BootstrapContext>[], etcd: string[]): Step<BootstrapContext>[] {
    return this.woven(create, etcd, '<tag>', new Staging('/nonexistent'));
  }

  private woven(create: Step<BootstrapContext>[], etcd: string[], tag: string, staging: Staging) {
    const inp = { tag, manifest: this.manifest, storage: this.storage, staging, key: this.key, etcd };
    // kubeadm stacked etcd: restored on control plane 0 before its init (create's init step comes first).
    if (this.manifest.shape.etcd === 'stacked')
      return freshRestoreStackedSteps(create, { ...inp, controlPlanes: controlPlaneNames(create) });
    // k3s's embedded etcd: restored on the first server before its first start (fresh-restore-k3s.ts).
    if (this.manifest.shape.etcd === 'embedded') return freshRestoreK3sSteps(create, { ...inp, controlPlanes: [] });
    return freshRestoreSteps(create, { ...inp, controlPlanes: [] });
  }
}

/** The control planes of create's plan, control plane 0 (its init step) first. */
const controlPlaneNames = (create: Step<BootstrapContext>[]): string[] =>
  create.filter((s) => s.id.startsWith('controlplane/')).map((s) => s.id.slice('controlplane/'.length));

/** Which spec field a shape difference points at. */
const SHAPE_FIELD = {
  distribution: 'spec.distribution',
  etcd: 'spec.etcd.count',
  members: 'spec.etcd.count',
  kubernetes: 'spec.kubernetesVersion',
} as const;

/** The source cluster's key, when its state and secrets are on this machine. */
async function sourceKey(deps: ManagerDeps, m: BackupManifest): Promise<Buffer | undefined> {
  const st = await deps.store.read(m.cluster).catch(() => undefined);
  if (!st) return undefined;
  return readBackupKey(deps.store.secrets(m.cluster)).catch(() => undefined);
}
