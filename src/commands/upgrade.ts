/**
 * `ksctl upgrade cluster <name> --k8s-version X`: one minor (or patch) up. Self-managed: a backup,
 * the control planes one at a time, then every pool rolling with drain (docs/upgrades.md); managed:
 * the cloud's own upgrade, control plane then node pools.
 */
import type { Command } from 'commander';
import type { UpgradeFlags } from '../api/upgrade-flags.js';
import type { CommandEnv, GlobalOptions } from './context.js';
import type { SelectFlags } from './get.js';

export interface UpgradeClusterFlags extends SelectFlags, UpgradeFlags {
  yes?: boolean;
}

export function registerUpgrade(program: Command, cenv: CommandEnv, globals: (c: Command) => GlobalOptions): void {
  const upgrade = program.command('upgrade').description("Upgrade a cluster's Kubernetes version");
  upgrade
    .command('cluster')
    .description(
      'Upgrade to the next minor or a newer patch: a backup first, the control planes one at a time, then each pool rolling (on clouds a new machine per worker first, then the old one drained and deleted; ssh provider and --in-place: drained and upgraded in place), each Ready at the new version before the next; re-running resumes',
    )
    .argument('<cluster>', 'cluster name')
    .option('-p, --provider <provider>', 'disambiguate by provider')
    .option('-r, --region <region>', 'disambiguate by region')
    .option('--k8s-version <version>', 'the version to reach: the next minor (1.37) or a patch (1.37.2)')
    .option('--dry-run', 'print the plan (-o yaml: with the scripts of each step); change nothing')
    .option('--skip-backup', 'self-managed: do not back up etcd before touching the control plane')
    .option(
      '--drain-timeout <duration>',
      'how long the drain of a node may wait for PodDisruptionBudgets, e.g. 300s, 5m (default 5m)',
    )
    .option('--force', 'after the drain timeout, delete the pods a budget still protects, and evict bare pods')
    .option('--delete-emptydir-data', 'evict pods with emptyDir volumes (their data is lost)')
    .option(
      '--in-place',
      'self-managed on aws, azure, gcp: upgrade each worker in place (drained) instead of replacing it by a new machine first (for quota-limited accounts)',
    )
    .option('--yes', 'do not ask for confirmation')
    .action(async (cluster: string, flags: UpgradeClusterFlags, cmd: Command) => {
      const { upgradeCluster } = await import('./upgrade-action.js');
      await upgradeCluster(cluster, flags, globals(cmd), cenv);
    });
}
