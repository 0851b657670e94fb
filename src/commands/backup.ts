/**
 * `ksctl backup create|list|delete|restore <cluster>`: encrypted etcd backups of a self-managed
 * cluster (external, k3s embedded or kubeadm stacked etcd) to a local directory, S3, Azure Blob or
 * GCS, and the whole restore procedure.
 */
import type { Command } from 'commander';
import type { CommandEnv, GlobalOptions } from './context.js';
import type { SelectFlags } from './get.js';

export interface BackupFlags extends SelectFlags {
  target?: string;
  keep?: string;
}

const TARGET_HELP =
  'where bundles are kept: file:///dir, s3://bucket/prefix, az://account/container/prefix or gs://bucket/prefix (default: $KSCTL_HOME/backups/<provider>/<region>/<cluster>)';

export function registerBackup(program: Command, cenv: CommandEnv, globals: (c: Command) => GlobalOptions): void {
  const backup = program
    .command('backup')
    .description('Back up and restore the etcd data of a self-managed cluster (encrypted bundles)');
  const common = (c: Command) =>
    c
      .argument('<cluster>', 'cluster name')
      .option('-p, --provider <provider>', 'disambiguate by provider')
      .option('-r, --region <region>', 'disambiguate by region')
      .option('--target <url>', TARGET_HELP);
  common(
    backup
      .command('create')
      .description('Snapshot etcd, bundle it with the CAs and tokens a restore needs, encrypt it and store it'),
  )
    .option('--keep <n>', "keep only the newest n of this cluster's backups at the target after this one")
    .action(async (cluster: string, flags: BackupFlags, cmd: Command) => {
      const { createBackup } = await import('./backup-action.js');
      await createBackup(cluster, flags, globals(cmd), cenv);
    });
  common(
    backup
      .command('list')
      .description("List the cluster's backups at the target (reads only the manifests: no key needed)"),
  ).action(async (cluster: string, flags: BackupFlags, cmd: Command) => {
    const { listBackups } = await import('./backup-action.js');
    await listBackups(cluster, flags, globals(cmd), cenv);
  });
  common(backup.command('delete').description('Delete one backup (bundle and manifest) from the target'))
    .argument('<backup>', 'backup name (see `ksctl backup list`)')
    .action(async (cluster: string, name: string, flags: BackupFlags, cmd: Command) => {
      const { deleteBackup } = await import('./backup-action.js');
      await deleteBackup(cluster, name, flags, globals(cmd), cenv);
    });
  common(
    backup
      .command('restore')
      .description(
        'Restore etcd on every member from a backup: API servers stopped, etcd restored with a new cluster token, then everything started again',
      ),
  )
    .argument('<backup>', 'backup name (see `ksctl backup list`)')
    .action(async (cluster: string, name: string, flags: BackupFlags, cmd: Command) => {
      const { restoreBackup } = await import('./backup-action.js');
      await restoreBackup(cluster, name, flags, globals(cmd), cenv);
    });
}
