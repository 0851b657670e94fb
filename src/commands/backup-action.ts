/** The work behind `backup create|list|delete|restore`: flags validated (exit 2) before any cluster or storage call. */
import { checkBundleName, formatBackupTarget, parseBackupTarget, parseKeep, type BackupTarget } from '../api/backup.js';
import type { BackupManifest } from '../backup/manifest.js';
import { KsctlManager } from '../managers/ksctl.js';
import type { BackupManager } from '../managers/backup/manager.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import { managerDeps } from './deps.js';
import { age, printData, renderTable } from './output.js';
import { sudoPasswordFor } from './sudo-password.js';
import type { BackupFlags } from './backup.js';
import type { SelfManagedManager } from '../managers/selfmanaged/manager.js';

async function open(cluster: string, flags: BackupFlags, g: GlobalOptions, cenv: CommandEnv, withProgress: boolean) {
  const target: BackupTarget | undefined = flags.target !== undefined ? parseBackupTarget(flags.target) : undefined;
  const io = cenv.io(g);
  const ksctl = new KsctlManager(managerDeps(g, cenv, io));
  const id = await ksctl.resolve(cluster, flags);
  const state = await ksctl.describe(id);
  const sudoPassword =
    withProgress && state.type === 'selfmanaged' ? await sudoPasswordFor(state.spec, io, cenv.env) : undefined;
  const progress = withProgress ? io.progress() : undefined;
  const deps = { ...managerDeps(g, cenv, io, progress), ...(sudoPassword ? { sudoPassword } : {}) };
  const selfManaged = async () => {
    const { lifecycleFor } = await import('../managers/index.js');
    return (await lifecycleFor('selfmanaged', deps)) as SelfManagedManager;
  };
  const { BackupManager } = await import('../managers/backup/manager.js');
  const mgr: BackupManager = new BackupManager(deps, selfManaged);
  return { io, id, target, mgr, close: async () => progress?.close() };
}

/** What `-o json` shows of a backup: the manifest (it holds no secret). */
const row = (m: BackupManifest): string[] => [
  m.name,
  age(m.createdAt),
  `${m.snapshot.revision ?? '-'}`,
  `${m.snapshot.totalKeys ?? '-'}`,
  `${m.size}`,
  `${m.shape.distribution}/${m.shape.etcd}×${m.shape.members} ${m.shape.kubernetes}`,
];

/** What the snapshot is: revision and keys when etcdutl told them (external and stacked etcd), else its size. */
const snapshotFacts = (m: BackupManifest): string =>
  m.snapshot.revision !== undefined
    ? `etcd revision ${m.snapshot.revision}, ${m.snapshot.totalKeys ?? 0} keys`
    : `etcd snapshot of ${m.snapshot.size} bytes from ${m.snapshot.member}`;

export async function createBackup(cluster: string, f: BackupFlags, g: GlobalOptions, cenv: CommandEnv): Promise<void> {
  const keep = parseKeep(f.keep);
  const { io, id, target, mgr, close } = await open(cluster, f, g, cenv, true);
  let m: BackupManifest;
  try {
    m = await mgr.create(id, { ...(target ? { target } : {}), ...(keep ? { keep } : {}) });
  } finally {
    await close();
  }
  await printData(
    io,
    g.output,
    m,
    () =>
      `Backup ${m.name} of ${cluster}: ${snapshotFacts(m)}, ${m.size} bytes encrypted, stored at ${formatBackupTarget(mgr.target(id, target))}.`,
  );
}

export async function listBackups(cluster: string, f: BackupFlags, g: GlobalOptions, cenv: CommandEnv): Promise<void> {
  const { io, id, target, mgr } = await open(cluster, f, g, cenv, false);
  const r = await mgr.list(id, target);
  for (const p of r.problems) io.log.warn(p);
  await printData(io, g.output, r, () =>
    r.backups.length === 0
      ? `No backups of ${cluster} at ${r.target}.`
      : renderTable(['NAME', 'AGE', 'REVISION', 'KEYS', 'BYTES', 'SHAPE'], r.backups.map(row)),
  );
}

export async function deleteBackup(
  cluster: string,
  name: string,
  f: BackupFlags,
  g: GlobalOptions,
  cenv: CommandEnv,
): Promise<void> {
  checkBundleName(name, '<backup>');
  const { io, id, target, mgr } = await open(cluster, f, g, cenv, false);
  await mgr.delete(id, name, target);
  await printData(io, g.output, { cluster: id, deleted: name }, () => `Deleted backup ${name}.`);
}

export async function restoreBackup(
  cluster: string,
  name: string,
  f: BackupFlags,
  g: GlobalOptions,
  cenv: CommandEnv,
): Promise<void> {
  checkBundleName(name, '<backup>');
  const { io, id, target, mgr, close } = await open(cluster, f, g, cenv, true);
  let m: BackupManifest;
  try {
    m = await mgr.restore(id, name, target);
  } finally {
    await close();
  }
  await printData(
    io,
    g.output,
    { cluster: id, restored: m.name, ...(m.snapshot.revision !== undefined ? { revision: m.snapshot.revision } : {}) },
    () => `Restored ${cluster} from ${m.name} (${snapshotFacts(m)}); the API servers are back.`,
  );
}
